// ONNX Runtime (npm's onnxruntime-node) on the ONNX files backprop exports, against backprop's own
// predictions (tests/onnx/onnx_test.sh).
//   node compare.mjs images IMAGES_IDX.gz N OUT.npy
//       the first N images of an IDX file as a uint8 NPY (N, rows * cols) for `backprop predict`
//   node compare.mjs compare MODEL.onnx IMAGES.npy PREDICTIONS.csv TOLERANCE [C,H,W]
//       runs MODEL.onnx on the images ([N, width], or [N, C, H, W] when given) and prints the largest |Δ|
//       against the p(...) columns (or the outputs) of `backprop predict --probabilities`;
//       exits 1 when it exceeds TOLERANCE
import fs from 'node:fs';
import zlib from 'node:zlib';
import ort from 'onnxruntime-node';

function writeNpyU8(path, bytes, n, width) {
  let header = `{'descr': '|u1', 'fortran_order': False, 'shape': (${n}, ${width}), }`;
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const head = Buffer.alloc(10);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  head.writeUInt16LE(header.length, 8);
  fs.writeFileSync(path, Buffer.concat([head, Buffer.from(header, 'latin1'), bytes]));
}

function readNpyU8(path) {
  const b = fs.readFileSync(path);
  const len = b.readUInt16LE(8);
  const header = b.subarray(10, 10 + len).toString('latin1');
  if (!header.includes("'|u1'")) throw new Error(`${path}: expected uint8 NPY`);
  const [n, width] = header.match(/\((\d+), (\d+)\)/).slice(1).map(Number);
  return { n, width, data: b.subarray(10 + len) };
}

function readPredictions(path) {
  const lines = fs.readFileSync(path, 'utf8').trim().split('\n');
  const header = lines[0].split(',');
  let cols = header.map((h, i) => (h.startsWith('p(') ? i : -1)).filter((i) => i >= 0);
  if (cols.length === 0) cols = header.map((_, i) => i).slice(1);  // regression: y1, y2, ...
  return lines.slice(1).map((l) => {
    const f = l.split(',');
    return cols.map((c) => Number(f[c]));
  });
}

async function compare(modelPath, npyPath, csvPath, tol, chw) {
  const session = await ort.InferenceSession.create(modelPath);
  const { n, width, data } = readNpyU8(npyPath);
  const x = Float32Array.from(data);
  const dims = chw ? [n, ...chw.split(',').map(Number)] : [n, width];
  const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, dims) });
  const y = out[session.outputNames[0]].data;
  const k = y.length / n;
  const expected = readPredictions(csvPath);
  if (expected.length !== n) throw new Error(`${csvPath}: ${expected.length} rows, expected ${n}`);
  let worst = 0;
  for (let i = 0; i < n; ++i) {
    // One sigmoid output: predict prints (1 - y, y).
    const e = expected[i].length === k ? expected[i] : expected[i].slice(-k);
    for (let j = 0; j < k; ++j) worst = Math.max(worst, Math.abs(y[i * k + j] - e[j]));
  }
  console.log(`${modelPath}: max |Δ| = ${worst.toExponential(3)} over ${n} x ${k} values (tolerance ${tol})`);
  if (!(worst <= tol)) process.exit(1);
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'images') {
  const [idx, nText, out] = args;
  const b = zlib.gunzipSync(fs.readFileSync(idx));
  const n = Number(nText), rows = b.readUInt32BE(8), cols = b.readUInt32BE(12);
  writeNpyU8(out, b.subarray(16, 16 + n * rows * cols), n, rows * cols);
} else if (mode === 'compare') {
  await compare(args[0], args[1], args[2], Number(args[3]), args[4]);
} else {
  console.error('usage: node compare.mjs images IDX.gz N OUT.npy | compare MODEL.onnx IMAGES.npy PRED.csv TOL');
  process.exit(64);
}
