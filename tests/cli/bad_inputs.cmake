# The CLI's bad-input table (the library's is tests/data/test_bad_inputs.cpp). Each row runs
# `backprop` once on a malformed file from tests/cli/fixtures/bad/ (tests/cli/gen_bad_fixtures.py
# says what each file holds and where its defect is) and checks the exit code, that stderr is one
# line matching the regex (file, line/column or byte offset, expected, found), and, for train,
# that no model file was written. Included from tests/CMakeLists.txt, which defines cli_test().
#
# Row: name^exit code^stderr regex^arguments separated by '|' (no ';' anywhere: it would split
# the command line; use '.' in a regex instead). Placeholders: @BAD@ (the bad
# fixtures), @FX@ (the good fixtures), @MODEL@ (the model cli_train_blobs writes).
set(bad_fx ${CMAKE_CURRENT_SOURCE_DIR}/cli/fixtures/bad)
set(bad_rows
  # CSV
  [=[csv_empty^65^empty\.csv: expected a header or data row, found an empty file^train|--train|@BAD@/empty.csv]=]
  [=[csv_nul_byte^65^nul\.csv:2: character 2 \(byte 11\): expected UTF-8 text, found a NUL byte^train|--train|@BAD@/nul.csv]=]
  [=[csv_latin1^65^latin1\.csv:2: character 8 \(byte 17\): expected UTF-8 text, found the byte 0xE9^train|--train|@BAD@/latin1.csv]=]
  [=[csv_gzip_truncated^65^cut\.csv\.gz: byte 22: expected a valid gzip stream, found truncated data^train|--train|@BAD@/cut.csv.gz]=]
  [=[csv_directory^66^cannot open '.*fixtures/bad': is a directory^train|--train|@BAD@]=]
  [=[csv_label_column^65^blobs\.csv:1: label column 'species' not found in the header \(x, y, label\)^train|--train|@FX@/blobs.csv|--label-column|species]=]
  # IDX
  [=[idx_wrong_magic^65^wrong-magic-idx3-ubyte: byte 0: expected IDX magic 00 00 <type> <ndims>, found 00 01 08 03^train|--train|@BAD@/wrong-magic-idx3-ubyte|--train-labels|@BAD@/labels-idx1-ubyte]=]
  [=[idx_truncated^65^truncated-idx3-ubyte: byte 26: expected 12 data bytes \(3x2x2 x 1\) after the 16-byte header, found the end of the file \(truncated\)^train|--train|@BAD@/truncated-idx3-ubyte|--train-labels|@BAD@/labels-idx1-ubyte]=]
  [=[idx_overflow^65^overflow-idx3-ubyte: byte 8: expected a data size that fits in memory^train|--train|@BAD@/overflow-idx3-ubyte|--train-labels|@BAD@/labels-idx1-ubyte]=]
  [=[idx_gzip_corrupt^65^corrupt-idx3-ubyte\.gz: byte 0: expected a valid gzip stream, found corrupt data \(unknown compression method\)^train|--train|@BAD@/corrupt-idx3-ubyte.gz|--train-labels|@BAD@/labels-idx1-ubyte]=]
  [=[idx_missing_labels^66^cannot open '.*no-such-labels-idx1-ubyte': no such file^train|--train|@BAD@/truncated-idx3-ubyte|--train-labels|@BAD@/no-such-labels-idx1-ubyte]=]
  [=[idx_labels_not_given^64^idx features need their labels/targets file^train|--train|@BAD@/truncated-idx3-ubyte]=]
  # NPY
  [=[npy_gzipped^65^gzipped\.npy: byte 0: expected the npy magic \\x93NUMPY, found a gzip stream \(decompress it first\)^train|--train|@BAD@/gzipped.npy|--train-labels|@BAD@/y.npy]=]
  [=[npy_big_endian^65^big-endian\.npy: byte 10: expected descr '<f4', '<f8', '.u1', '<i4' or '<i8', found '>f4'^train|--train|@BAD@/big-endian.npy|--train-labels|@BAD@/y.npy]=]
  [=[npy_fortran^65^fortran\.npy: byte 10: expected fortran_order False \(C order\), found True^train|--train|@BAD@/fortran.npy|--train-labels|@BAD@/y.npy]=]
  [=[npy_truncated^65^truncated\.npy: byte 128: expected 24 data bytes for shape \(3, 2\) of <f4, found 20^train|--train|@BAD@/truncated.npy|--train-labels|@BAD@/y.npy]=]
  # FANN
  [=[fann_truncated^65^short\.data:4: expected 6 numbers after the header \(2 pairs x \(2 inputs \+ 1 outputs\)\), found 5^train|--train|@BAD@/short.data|--task|regression]=]
  [=[fann_header_claims_too_much^65^huge\.data:1: expected a header whose 1000000000 pairs x \(1000000 inputs \+ 1 outputs\) fit in the file's 25 bytes^train|--train|@BAD@/huge.data|--task|regression]=]
  # training configs (exit 78)
  [=[config_malformed^78^malformed\.json: byte 14: not valid JSON \(.*unexpected ','^train|-c|@BAD@/malformed.json|--train|@FX@/blobs.csv]=]
  [=[config_wrong_type^78^wrong-type\.json: key 'epochs': expected a positive integer or auto, got "ten"^train|-c|@BAD@/wrong-type.json|--train|@FX@/blobs.csv]=]
  [=[config_number_overflow^78^bignum\.json: not valid JSON \(number overflow parsing '1e400'\)^train|-c|@BAD@/bignum.json|--train|@FX@/blobs.csv]=]
  [=[config_gzipped^78^gzipped-config\.json: byte 1: not valid JSON \(the file is gzip-compressed. decompress it first\)^train|-c|@BAD@/gzipped-config.json|--train|@FX@/blobs.csv]=]
  [=[config_not_an_object^78^array\.json: expected a JSON object, found an array^train|-c|@BAD@/array.json|--train|@FX@/blobs.csv]=]
  [=[config_missing^66^no-such-config\.json^train|-c|@BAD@/no-such-config.json|--train|@FX@/blobs.csv]=]
  # model files
  [=[model_truncated^65^truncated\.bpm: byte 16: truncated or corrupt: expected ([0-9]+) bytes \(header, a body of [0-9]+ bytes as the header says, checksum\), found [0-9]+^evaluate|--model|@BAD@/truncated.bpm|--test|@FX@/blobs.csv]=]
  [=[model_newer^65^newer\.bpm: byte 8: format version 4 is newer than this backprop reads \(3\). upgrade backprop^evaluate|--model|@BAD@/newer.bpm|--test|@FX@/blobs.csv]=]
  [=[model_damaged_version^65^damaged-version\.bpm: byte [0-9]+: checksum mismatch: stored [0-9]+, computed [0-9]+. the file is corrupt^predict|--model|@BAD@/damaged-version.bpm|--input|@FX@/blobs-unlabelled.csv]=]
  [=[checkpoint_damaged_scalar^65^damaged-scalar\.bpc: byte [0-9]+: checksum mismatch: stored [0-9]+, computed [0-9]+. the file is corrupt^train|--resume|@BAD@/damaged-scalar.bpc]=]
  [=[model_bad_checksum^65^bad-crc\.bpm: byte [0-9]+: checksum mismatch^predict|--model|@BAD@/bad-crc.bpm|--input|@FX@/blobs-unlabelled.csv]=]
  [=[model_gzipped^65^gzipped\.bpm: byte 0: not a backprop model file: expected magic "BPMODEL.0", found a gzip stream \(decompress it first\)^evaluate|--model|@BAD@/gzipped.bpm|--test|@FX@/blobs.csv]=]
  [=[model_nan_weight^65^nan-weight\.bpm: byte [0-9]+: layer 1 weight\[0\] is nan. expected a finite value^predict|--model|@BAD@/nan-weight.bpm|--input|@FX@/blobs-unlabelled.csv]=]
  # predict inputs (need the model cli_train_blobs writes)
  [=[predict_unknown_name^64^data\.bin: cannot tell the format from the file name^predict|--model|@MODEL@|--input|@BAD@/data.bin]=]
  [=[predict_ragged^65^ragged-input\.csv:2: expected 2 fields, found 1^predict|--model|@MODEL@|--input|@BAD@/ragged-input.csv]=]
  [=[predict_npy_truncated^65^truncated\.npy: byte 128: expected 24 data bytes^predict|--model|@MODEL@|--input|@BAD@/truncated.npy]=]
  [=[predict_missing_column^65^blobs-renamed\.csv:1: feature column 'y' not found in the header \(x, z, label\)^predict|--model|@MODEL@|--input|@FX@/blobs-renamed.csv]=]
  [=[evaluate_missing_column^65^blobs-renamed\.csv:1: feature column 'y' not found in the header \(x, z, label\)^evaluate|--model|@MODEL@|--test|@FX@/blobs-renamed.csv]=]
  [=[predict_npy_3d^65^images-3d\.npy: byte 128: expected features of 1 or 2 dimensions \(samples x values\), found shape \(2, 2, 2\). reshape it to \(2, 4\) first^predict|--model|@MODEL@|--input|@BAD@/images-3d.npy]=]
  [=[csv_decimal_comma^65^decimal-comma\.csv:1: expected more than 1 fields \(features \+ label\), found 1. it holds '.': if the file is '.'-delimited, give that delimiter \(--delimiter '.'\). decimal commas \(1,5\) are not supported^train|--train|@BAD@/decimal-comma.csv]=]
  [=[predict_missing_input^66^cannot open '.*no-such\.csv': no such file^predict|--model|@MODEL@|--input|@BAD@/no-such.csv]=]
  # network descriptions for explain
  [=[net_gzipped^78^net-gzipped\.json: malformed JSON at byte 1: expected JSON text, found a gzip stream^explain|--network|@BAD@/net-gzipped.json]=]
  [=[net_huge_layer^78^net-huge\.json: layers\[0\]\.weights: expected an array of 4294967296 rows^explain|--network|@BAD@/net-huge.json]=]
  [=[net_wrong_type^78^net-wrong-type\.json: layers\[0\]\.activation: expected a string, found 7^explain|--network|@BAD@/net-wrong-type.json]=]
)
foreach(row IN LISTS bad_rows)
  # Split with a regex, not as a list: '[' in a regex would group list items.
  if(NOT row MATCHES "^([^^]+)\\^([0-9]+)\\^([^^]+)\\^([^^]+)$")
    message(FATAL_ERROR "bad_inputs.cmake: malformed row: ${row}")
  endif()
  set(name "${CMAKE_MATCH_1}")
  set(rc "${CMAKE_MATCH_2}")
  set(regex "${CMAKE_MATCH_3}")
  set(args "${CMAKE_MATCH_4}")
  string(REPLACE "@BAD@" "${bad_fx}" args "${args}")
  string(REPLACE "@FX@" "${fx}" args "${args}")
  string(REPLACE "@MODEL@" "${out}/blobs.bpm" args "${args}")
  set(extra)
  if(args MATCHES "^train")
    string(APPEND args "|--epochs|1|--output|${out}/bad_input_${name}.bpm")
    set(extra -DNO_FILE=${out}/bad_input_${name}.bpm)
  endif()
  cli_test(bad_input_${name} "-DARGS=${args}" -DRC=${rc} -DONE_LINE_ERR=ON "-DERR=^backprop: error: .*${regex}" ${extra})
  if(row MATCHES "@MODEL@")
    set_tests_properties(cli_bad_input_${name} PROPERTIES FIXTURES_REQUIRED blobs_model)
  endif()
endforeach()
