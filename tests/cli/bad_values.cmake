# Every flag and config key of every subcommand with a bad value (tools/backprop/config/schema.cpp):
# the documented exit code, one line on stderr, and a message that names the flag or the config
# file and key. Included from tests/CMakeLists.txt, which defines cli_test(), ${fx} and ${out}.
#
# Row: command^key^bad flag value^bad JSON value[^exit code^stderr regex for the flag case]
#  - the flag case runs `backprop COMMAND BASE... --KEY VALUE` and expects, by default, exit 64 and
#    "backprop: error: --KEY: expected ..., got 'VALUE'";
#  - the JSON case (train, evaluate and predict read -c FILE) writes {"KEY": VALUE} to a file at
#    configure time and expects exit 78 and "backprop: error: FILE: key 'KEY': expected ...".
# A '-' for the JSON value skips the JSON case (explain, gradcheck and errata have no config file).
# Every one of them fails before any data is read: a train row's model file must not appear.
set(bv_dir ${out}/bad-values)
file(MAKE_DIRECTORY ${bv_dir})
set(bv_rows
  # train: data keys
  [=[train^dataset^mnist^5]=]
  [=[train^train^@FX@/no-such.csv^5^66^cannot open '.*no-such\.csv': no such file]=]
  [=[train^train_labels^@FX@/no-such-labels.csv^true^66^cannot open '.*no-such-labels\.csv': no such file]=]
  [=[train^test^@FX@/no-such-test.csv^[1]^66^cannot open '.*no-such-test\.csv': no such file]=]
  [=[train^test_labels^@FX@/no-such-test-labels.csv^{}^66^cannot open '.*no-such-test-labels\.csv': no such file]=]
  [=[train^format^cvs^1]=]
  [=[train^task^regresion^7]=]
  [=[train^label_column^species^true^65^.*blobs\.csv:1: label column 'species' not found]=]
  [=[train^targets^0^"2"]=]
  [=[train^header^maybe^false]=]
  [=[train^delimiter^..^9]=]
  # train: network
  [=[train^layers^2,0,3^[2, -1, 3]]=]
  [=[train^hidden^64,0^[0]]=]
  [=[train^activation^sigmod^3]=]
  [=[train^output_activation^sofmax^null]=]
  [=[train^loss^hinge^"crossentropy"]=]
  [=[train^dropout^1.5^"0.2"]=]
  [=[train^init^he^"xavier"]=]
  [=[train^preprocess^standardize^1]=]
  [=[train^precision^half^64]=]
  [=[train^seed^-1^"7"]=]
  [=[train^threads^-2^0]=]
  # train: optimizer
  [=[train^epochs^-5^"nan"]=]
  [=[train^batch_size^0^-3]=]
  [=[train^optimizer^adma^"Adam"]=]
  [=[train^lr^nan^"nan"]=]
  [=[train^momentum^-0.9^"0.9"]=]
  [=[train^nesterov^maybe^"true"]=]
  [=[train^beta1^1^1.5]=]
  [=[train^beta2^-0.1^"x"]=]
  [=[train^eps^0^"x"]=]
  [=[train^weight_decay^-1^"0.01"]=]
  [=[train^amsgrad^2^1]=]
  [=[train^alpha^1^-1]=]
  [=[train^centered^yes^"yes"]=]
  [=[train^rho^1.5^2]=]
  [=[train^lr_decay^-1^"0"]=]
  [=[train^history_size^-1^0]=]
  [=[train^max_iter^-1^0.5]=]
  [=[train^line_search^wolfe^true]=]
  # train: schedule, early stopping, clipping
  [=[train^schedule^cosin^1]=]
  [=[train^step_size^-1^0]=]
  [=[train^gamma^0^-0.5]=]
  [=[train^warmup_epochs^-1^1.5]=]
  [=[train^min_lr^-1^"0"]=]
  [=[train^plateau_factor^1^0]=]
  [=[train^plateau_patience^-1^-1]=]
  [=[train^validation_split^1^1.0]=]
  [=[train^early_stopping^val-loss^"accuracy"]=]
  [=[train^patience^-1^0]=]
  [=[train^min_delta^-0.1^"x"]=]
  [=[train^clip_norm^-1^"inf"]=]
  [=[train^clip_value^inf^-1]=]
  # train: outputs (exit 73 before any data is read)
  [=[train^metrics_log^/nonexistent/dir/log.csv^5^73^cannot create --metrics-log file '/nonexistent/dir/log\.csv': the directory '/nonexistent/dir' does not exist]=]
  [=[train^report^/nonexistent/dir/r.html^7^73^cannot create --report file '/nonexistent/dir/r\.html': the directory '/nonexistent/dir' does not exist]=]
  [=[train^output^/nonexistent/dir/m.bpm^""^73^cannot create --output file '/nonexistent/dir/m\.bpm': the directory '/nonexistent/dir' does not exist]=]
  [=[train^checkpoint^@OUT@^false^73^cannot create --checkpoint file '.*': it is a directory]=]
  [=[train^checkpoint_every^3weeks^0]=]
  [=[train^verbose^3^"2"]=]
  # evaluate
  [=[evaluate^dataset^fashion^[]]=]
  [=[evaluate^test^@FX@/no-such.csv^5^66^cannot open '.*no-such\.csv': no such file]=]
  [=[evaluate^test_labels^@FX@/no-such-labels.csv^5^66^cannot open '.*no-such-labels\.csv': no such file]=]
  [=[evaluate^format^npz^1]=]
  [=[evaluate^task^clasification^1]=]
  [=[evaluate^label_column^-^[0]]=]
  [=[evaluate^targets^-1^1.5]=]
  [=[evaluate^header^1^1]=]
  [=[evaluate^delimiter^tabs^""]=]
  [=[evaluate^model^@FX@/no-such.bpm^5^66^cannot open '.*no-such\.bpm': no such file]=]
  [=[evaluate^batch_size^0^"1024"]=]
  [=[evaluate^top_k^0^-5]=]
  [=[evaluate^report^xml^"jsno"]=]
  [=[evaluate^threads^-1^"all"]=]
  # predict
  [=[predict^model^@FX@/no-such.bpm^5^66^cannot open '.*no-such\.bpm': no such file]=]
  [=[predict^input^@FX@/no-such.csv^5^66^cannot open '.*no-such\.csv': no such file]=]
  [=[predict^format^jsonl^1]=]
  [=[predict^header^none^true]=]
  [=[predict^delimiter^ab^44]=]
  [=[predict^output^/nonexistent/dir/p.csv^""^73^cannot create --output file '/nonexistent/dir/p\.csv': the directory '/nonexistent/dir' does not exist]=]
  [=[predict^output_format^xml^"jsn"]=]
  [=[predict^probabilities^maybe^1]=]
  [=[predict^batch_size^-1^0]=]
  [=[predict^threads^-1^2000]=]
  # explain (flags only)
  [=[explain^network^@FX@/no-such-net.json^-^66^.*no-such-net\.json]=]
  [=[explain^format^xml^-]=]
  [=[explain^lr^-0.5^-]=]
  [=[explain^steps^-1^-]=]
  [=[explain^update_order^random^-]=]
  [=[explain^precision^5^-]=]
  [=[explain^output^/nonexistent/dir/page.html^-^73^cannot create --output file '/nonexistent/dir/page\.html': the directory '/nonexistent/dir' does not exist]=]
  # gradcheck (flags only)
  [=[gradcheck^layers^4,0,3^-]=]
  [=[gradcheck^activation^sigmoidd^-]=]
  [=[gradcheck^loss^auto^-]=]
  [=[gradcheck^batch^0^-]=]
  [=[gradcheck^seed^-1^-]=]
  [=[gradcheck^seed_network^maybe^-]=]
  # errata (flags only)
  [=[errata^format^xml^-]=]
  [=[errata^only_errata^2^-]=]
)
set(bv_base_train "train|--train|${fx}/blobs.csv|--layers|2,8,3|--epochs|1|--verbose|0")
set(bv_base_evaluate "evaluate|--model|${fx}/blobs.csv|--test|${fx}/blobs.csv")
set(bv_base_predict "predict|--model|${fx}/blobs.csv|--input|${fx}/blobs-unlabelled.csv")
set(bv_base_explain "explain")
set(bv_base_gradcheck "gradcheck")
set(bv_base_errata "errata")
foreach(row IN LISTS bv_rows)
  if(NOT row MATCHES "^([a-z]+)\\^([a-z_0-9]+)\\^([^^]*)\\^([^^]+)(\\^([0-9]+)\\^([^^]+))?$")
    message(FATAL_ERROR "bad_values.cmake: malformed row: ${row}")
  endif()
  set(cmd "${CMAKE_MATCH_1}")
  set(key "${CMAKE_MATCH_2}")
  set(value "${CMAKE_MATCH_3}")
  set(json "${CMAKE_MATCH_4}")
  string(REPLACE "_" "-" flag "--${key}")
  set(rc 64)
  set(regex "${flag}: expected .*, got '")
  if(CMAKE_MATCH_5)
    set(rc "${CMAKE_MATCH_6}")
    set(regex "${CMAKE_MATCH_7}")
  endif()
  string(REPLACE "@FX@" "${fx}" value "${value}")
  string(REPLACE "@OUT@" "${out}" value "${value}")
  set(name ${cmd}_${key})
  set(model ${bv_dir}/${name}.bpm)
  set(tail "")
  set(extra "")
  if(cmd STREQUAL "train")
    set(tail "|--output|${model}")
    set(extra -DNO_FILE=${model})
  endif()
  if(NOT value STREQUAL "-")
    cli_test(bad_flag_${name} "-DARGS=${bv_base_${cmd}}${tail}|${flag}|${value}" -DRC=${rc} -DONE_LINE_ERR=ON
      "-DERR=^backprop: error: ${regex}" ${extra})
  endif()
  if(NOT json STREQUAL "-")
    file(WRITE ${bv_dir}/${name}.json "{\"${key}\": ${json}}\n")
    cli_test(bad_key_${name} "-DARGS=${bv_base_${cmd}}${tail}|-c|${bv_dir}/${name}.json" -DRC=78 -DONE_LINE_ERR=ON
      "-DERR=^backprop: error: ${bv_dir}/${name}\\.json: key '${key}': expected " ${extra})
  endif()
endforeach()

# The cases of the issue, one by one.
set(bv_train "train|--train|${fx}/blobs.csv|--layers|2,8,3|--verbose|2")
foreach(case
    # negative integers that once ran for ever or crashed (exit 136)
    "epochs_negative^--epochs|-5^--epochs: expected a positive integer or auto, got '-5'"
    "lbfgs_history^--optimizer|lbfgs|--batch-size|full|--history-size|-1^--history-size: expected an integer from 1 to 1000, got '-1'"
    "warmup_negative^--schedule|cosine|--warmup-epochs|-1^--warmup-epochs: expected an integer >= 0, got '-1'"
    # a misspelt flag and a near-miss value get "did you mean"
    "misspelt_flag^--optimiser|adam^unknown flag --optimiser for 'train'. did you mean --optimizer\\?"
    "misspelt_schedule_flag^--scheduel|cosine^unknown flag --scheduel for 'train'. did you mean --schedule\\?"
    "enum_near_miss^--optimizer|adma^--optimizer: expected one of \\{sgd, adam, .*\\}, got 'adma'. did you mean 'adam'\\?"
    "activation_near_miss^--activation|sigmod^--activation: .*did you mean 'sigmoid'\\?"
    # rules across keys, checked before the data is read
    "nesterov_no_momentum^--optimizer|sgd|--nesterov^--nesterov: needs --momentum > 0"
    "warmup_too_long^--schedule|cosine|--epochs|5|--warmup-epochs|5^--warmup-epochs: expected fewer than --epochs \\(5\\), got 5"
    "min_lr_above_lr^--schedule|cosine|--lr|0.01|--min-lr|0.1^--min-lr: expected at most the learning rate \\(0.01\\), got 0.1"
    "val_stop_no_split^--early-stopping|val_loss^--early-stopping: val_loss needs a validation set"
    "lbfgs_weight_decay^--optimizer|lbfgs|--weight-decay|0.1^--weight-decay: expected 0 with --optimizer lbfgs"
    "same_output_twice^--checkpoint|${bv_dir}/same.bpm|--output|${bv_dir}/same.bpm^--checkpoint: '.*same\\.bpm' is also --output")
  string(REPLACE "^" ";" parts "${case}")
  list(GET parts 0 name)
  list(GET parts 1 args)
  list(GET parts 2 regex)
  set(model ${bv_dir}/issue_${name}.bpm)
  cli_test(bad_issue_${name} "-DARGS=${bv_train}|--output|${model}|${args}" -DRC=64 -DONE_LINE_ERR=ON
    "-DERR=^backprop: error: ${regex}" -DNO_FILE=${model})
endforeach()
cli_test(bad_issue_no_training_data "-DARGS=train|--layers|2,8,3|--output|${bv_dir}/none.bpm" -DRC=64 -DONE_LINE_ERR=ON
  "-DERR=^backprop: error: --train: no training data" -DNO_FILE=${bv_dir}/none.bpm)
cli_test(bad_issue_misspelt_command "-DARGS=trian|--epochs|3" -DRC=64 -DONE_LINE_ERR=ON
  "-DERR=^backprop: error: unknown command 'trian'. did you mean 'train'\\?")
# A config value of the wrong JSON type names the file and the key (it was exit 70).
file(WRITE ${bv_dir}/lr-string.json "{\"lr\": \"0.1\"}\n")
cli_test(bad_issue_lr_string "-DARGS=${bv_train}|-c|${bv_dir}/lr-string.json" -DRC=78 -DONE_LINE_ERR=ON
  "-DERR=^backprop: error: .*lr-string\\.json: key 'lr': expected a positive number, got \"0\\.1\". write it without quotes: 0\\.1")
file(WRITE ${bv_dir}/unknown-key.json "{\"optimiser\": \"adam\"}\n")
cli_test(bad_issue_unknown_key "-DARGS=${bv_train}|-c|${bv_dir}/unknown-key.json" -DRC=78 -DONE_LINE_ERR=ON
  "-DERR=^backprop: error: .*unknown-key\\.json: unknown key 'optimiser'. did you mean 'optimizer'\\?")
# A missing output directory: exit 73 at once, nothing trained (a run this long would time out).
cli_test(bad_issue_output_dir_first "-DARGS=${bv_train}|--epochs|100000000|--output|/nonexistent/dir/m.bpm" -DRC=73
  -DONE_LINE_ERR=ON "-DERR=^backprop: error: cannot create --output file '/nonexistent/dir/m\\.bpm'")
set_tests_properties(cli_bad_issue_output_dir_first PROPERTIES TIMEOUT 10)
# The probe passes, the data then fails: the existing model is untouched and no probe file is left.
file(WRITE ${bv_dir}/keep/model.bpm "not overwritten")
cli_test(bad_issue_probe_leaves_model "-DARGS=train|--train|${fx}/ragged.csv|--layers|2,3|--output|${bv_dir}/keep/model.bpm"
  -DRC=65 -DONE_LINE_ERR=ON "-DERR=ragged\\.csv:3" -DFILE=${bv_dir}/keep/model.bpm "-DFILE_MATCHES=^not overwritten$"
  "-DDIR_HOLDS=${bv_dir}/keep|model.bpm")
# SGD has a documented default learning rate (0.01, as in Keras) and trains without --lr.
cli_test(sgd_default_lr "-DARGS=train|--train|${fx}/blobs.csv|--layers|2,8,3|--optimizer|sgd|--epochs|2|--verbose|2|--output|${bv_dir}/sgd.bpm"
  -DRC=0 "-DERR=trained 2 epoch\\(s\\) in [0-9]+\\.[0-9][0-9]s" -DFILE=${bv_dir}/sgd.bpm)
