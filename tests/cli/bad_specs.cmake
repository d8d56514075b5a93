# Network specs (train's "network" and "input_shape" keys, docs/network-spec.md) that must be
# refused: exit 78 for a config file (64 for a flag), one line on stderr naming the file, the key,
# the layer (1-based), its field and the shapes, and no model file. The data: tests/cli/fixtures/
# bars.csv, 240 8x8 images of 3 classes. Included from tests/CMakeLists.txt (cli_test, ${fx}, ${out}).
#
# Row: name^exit code^stderr regex (after "backprop: error: FILE: ")^config JSON (no ';').
set(bs_dir ${out}/bad-specs)
file(MAKE_DIRECTORY ${bs_dir})
set(bs_conv [=[{"type": "conv2d", "filters": 4, "kernel": 3, "padding": "same"}]=])
set(bs_head [=[{"train": "@FX@/bars.csv", "input_shape": [1, 8, 8], "network": ]=])
set(bs_rows
  [=[kernel_too_large^78^key 'network': layer 1 \(conv2d\): field 'kernel' is \[9,9\]. expected at most the padded input 8x8 \(input 1x8x8, padding \[0,0,0,0\]\)^@HEAD@[{"type": "conv2d", "filters": 2, "kernel": 9}, {"type": "flatten"}, {"type": "dense", "units": 3, "activation": "softmax"}]}]=]
  [=[negative_padding^78^key 'network': layer 1 \(conv2d\): field 'padding' is -1. expected "valid", "same", an integer >= 0^@HEAD@[{"type": "conv2d", "filters": 2, "kernel": 3, "padding": -1}, {"type": "flatten"}, {"type": "dense", "units": 3, "activation": "softmax"}]}]=]
  [=[dense_after_conv^78^key 'network': layer 2 \(dense\): input is 4x8x8. a dense layer needs a flat input \(add a flatten layer before it\)^@HEAD@[@CONV@, {"type": "dense", "units": 3, "activation": "softmax"}]}]=]
  [=[unknown_type^78^key 'network': layer 2: unknown type 'maxpol2d'. expected one of: dense, .*. did you mean 'maxpool2d'\?^@HEAD@[@CONV@, {"type": "maxpol2d", "kernel": 2}, {"type": "flatten"}, {"type": "dense", "units": 3, "activation": "softmax"}]}]=]
  [=[missing_type^78^key 'network': layer 2: field 'type' is missing. expected one of: dense, dropout^@HEAD@[@CONV@, {"kernel": 2}, {"type": "flatten"}, {"type": "dense", "units": 3, "activation": "softmax"}]}]=]
  [=[type_not_string^78^key 'network': layer 1: field 'type' is 7. expected one of: dense^@HEAD@[{"type": 7}]}]=]
  [=[layer_not_object^78^key 'network': layer 1 is "dense". expected an object \{"type": KIND, ...\}^@HEAD@["dense"]}]=]
  [=[units_string^78^key 'network': layer 2 \(dense\): field 'units' is "3". expected an integer >= 1^@HEAD@[{"type": "flatten"}, {"type": "dense", "units": "3", "activation": "softmax"}]}]=]
  [=[unknown_field^78^key 'network': layer 1 \(conv2d\): unknown field 'filter'. expected one of: filters, kernel^@HEAD@[{"type": "conv2d", "filter": 4, "kernel": 3}]}]=]
  [=[wrong_outputs^78^key 'network': the last layer \(layer 3, dense\) has 4 outputs. expected 3 \(the number of classes\)^@HEAD@[@CONV@, {"type": "flatten"}, {"type": "dense", "units": 4, "activation": "softmax"}]}]=]
  [=[no_softmax^78^key 'network': the last layer \(layer 3, dense\) outputs identity. expected softmax outputs for the cross-entropy loss^@HEAD@[@CONV@, {"type": "flatten"}, {"type": "dense", "units": 3}]}]=]
  [=[dropout_last^78^key 'network': layer 3 \(dropout\) is the last layer. expected a layer that computes the output^@HEAD@[{"type": "flatten"}, {"type": "dense", "units": 3, "activation": "softmax"}, {"type": "dropout", "p": 0.5}]}]=]
  [=[empty^78^key 'network': the network is \[\]. expected a non-empty array of layer objects^@HEAD@[]}]=]
  [=[not_an_array^78^key 'network': expected a JSON array of layer objects^@HEAD@{"type": "dense"}}]=]
  [=[huge_params^78^key 'network': layer 1 \(conv2d\): conv2d.w would be 1000000000x9, more values than the 100000000 left of the network's limit of 100000000 values^@HEAD@[{"type": "conv2d", "filters": 1000000000, "kernel": 3}]}]=]
  [=[huge_activations^78^key 'network': layer 1 \(conv2d\): output 300000x8x8 takes the network to [0-9]+ values per sample. expected at most 16777216^@HEAD@[{"type": "conv2d", "filters": 300000, "kernel": 1}]}]=]
  [=[input_shape_mismatch^78^key 'input_shape': expected a shape of 64 values \(the data's features\), got \[1,8,9\] \(72 values\)^{"train": "@FX@/bars.csv", "input_shape": [1, 8, 9], "network": [{"type": "flatten"}, {"type": "dense", "units": 3, "activation": "softmax"}]}]=]
  [=[input_shape_four^78^key 'input_shape': expected 1 to 3 positive sizes C,H,W \(e.g. 1,28,28\), or auto, got \[1,1,8,8\]^{"train": "@FX@/bars.csv", "input_shape": [1, 1, 8, 8], "network": [{"type": "dense", "units": 3}]}]=]
  [=[with_layers^78^key 'layers': cannot be combined with --network^{"train": "@FX@/bars.csv", "layers": [64, 3], "network": [{"type": "dense", "units": 3, "activation": "softmax"}]}]=]
  [=[with_dropout^78^key 'dropout': cannot be combined with --network^{"train": "@FX@/bars.csv", "dropout": 0.2, "network": [{"type": "dense", "units": 3, "activation": "softmax"}]}]=]
  [=[input_shape_alone^78^key 'input_shape': applies to a --network spec only^{"train": "@FX@/bars.csv", "input_shape": [1, 8, 8]}]=]
  [=[widrow_nguyen_conv^78^key 'init': widrow-nguyen initialization is defined for dense layers only. layer 1 is conv2d^{"train": "@FX@/bars.csv", "init": "widrow-nguyen", "input_shape": [1, 8, 8], "network": [@CONV@, {"type": "flatten"}, {"type": "dense", "units": 3, "activation": "softmax"}]}]=]
)
foreach(row IN LISTS bs_rows)
  if(NOT row MATCHES "^([a-z_]+)\\^([0-9]+)\\^([^^]+)\\^(.+)$")
    message(FATAL_ERROR "bad_specs.cmake: malformed row: ${row}")
  endif()
  set(name ${CMAKE_MATCH_1})
  set(rc ${CMAKE_MATCH_2})
  set(regex "${CMAKE_MATCH_3}")
  set(json "${CMAKE_MATCH_4}")
  string(REPLACE "@HEAD@" "${bs_head}" json "${json}")
  string(REPLACE "@CONV@" "${bs_conv}" json "${json}")
  string(REPLACE "@FX@" "${fx}" json "${json}")
  file(WRITE ${bs_dir}/${name}.json "${json}\n")
  set(model ${bs_dir}/${name}.bpm)
  cli_test(bad_spec_${name} "-DARGS=train|-c|${bs_dir}/${name}.json|--epochs|1|--verbose|0|--output|${model}"
    -DRC=${rc} -DONE_LINE_ERR=ON "-DERR=^backprop: error: ${bs_dir}/${name}\\.json: ${regex}" -DNO_FILE=${model})
endforeach()

# --network FILE: the file is the spec; its errors name it (exit 78), a missing one is exit 66;
# a flag that cannot go with it is exit 64.
set(bs_train "train|--train|${fx}/bars.csv|--input-shape|1,8,8|--epochs|1|--verbose|0|--output|${bs_dir}/flag.bpm")
file(WRITE ${bs_dir}/spec-kernel.json "[{\"type\": \"conv2d\", \"filters\": 2, \"kernel\": [3, 12]}]\n")
file(WRITE ${bs_dir}/spec-object.json "{\"network\": []}\n")
file(WRITE ${bs_dir}/spec-good.json "[{\"type\": \"flatten\"}, {\"type\": \"dense\", \"units\": 3, \"activation\": \"softmax\"}]\n")
cli_test(bad_spec_flag_file_layer "-DARGS=${bs_train}|--network|${bs_dir}/spec-kernel.json" -DRC=78 -DONE_LINE_ERR=ON
  "-DERR=^backprop: error: ${bs_dir}/spec-kernel\\.json: layer 1 \\(conv2d\\): field 'kernel' is \\[3,12\\]" -DNO_FILE=${bs_dir}/flag.bpm)
cli_test(bad_spec_flag_file_object "-DARGS=${bs_train}|--network|${bs_dir}/spec-object.json" -DRC=78 -DONE_LINE_ERR=ON
  "-DERR=^backprop: error: ${bs_dir}/spec-object\\.json: expected a JSON array of layer objects, found a config object" -DNO_FILE=${bs_dir}/flag.bpm)
cli_test(bad_spec_flag_file_missing "-DARGS=${bs_train}|--network|${bs_dir}/no-such-spec.json" -DRC=66 -DONE_LINE_ERR=ON
  "-DERR=^backprop: error: .*no-such-spec\\.json" -DNO_FILE=${bs_dir}/flag.bpm)
cli_test(bad_spec_flag_with_hidden "-DARGS=${bs_train}|--network|${bs_dir}/spec-good.json|--hidden|8" -DRC=64 -DONE_LINE_ERR=ON
  "-DERR=^backprop: error: --hidden: cannot be combined with --network" -DNO_FILE=${bs_dir}/flag.bpm)

# gradcheck --network: the spec's errors name its file; the input shape is required.
cli_test(bad_spec_gradcheck_layer "-DARGS=gradcheck|--network|${bs_dir}/spec-kernel.json|--input-shape|1,8,8" -DRC=78
  -DONE_LINE_ERR=ON "-DERR=^backprop: error: ${bs_dir}/spec-kernel\\.json: layer 1 \\(conv2d\\): field 'kernel' is \\[3,12\\]")
cli_test(bad_spec_gradcheck_no_shape "-DARGS=gradcheck|--network|${bs_dir}/spec-good.json" -DRC=64 -DONE_LINE_ERR=ON
  "-DERR=^backprop: error: --input-shape: expected the shape of one sample for --network")

# explain narrates dense networks of given weights only.
file(WRITE ${bs_dir}/explain-conv.json
  "{\"layers\": [{\"type\": \"conv2d\", \"in\": 2, \"out\": 1, \"activation\": \"sigmoid\", \"weights\": [[1, 2]]}], \"input\": [1, 0], \"target\": [1]}\n")
cli_test(bad_spec_explain_conv "-DARGS=explain|${bs_dir}/explain-conv.json" -DRC=78 -DONE_LINE_ERR=ON
  "-DERR=^backprop: error: .*explain-conv\\.json: layers\\[0\\]\\.type: expected \"dense\" \\(explain narrates dense layers only\\), found the string \"conv2d\"")
cli_test(bad_spec_explain_array "-DARGS=explain|${bs_dir}/spec-good.json" -DRC=78 -DONE_LINE_ERR=ON
  "-DERR=^backprop: error: .*spec-good\\.json: \\(top level\\): expected a network description object")
