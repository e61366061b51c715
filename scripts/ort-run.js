#!/usr/bin/env node
// Runs an ONNX model with onnxruntime-node (CPU execution provider), the
// reference that Spade's outputs and latencies are compared with.
//
//   node ort-run.js MODEL.onnx [--input NAME=FILE.npy | --input FILE.npy]...
//                   [--output-dir DIR] [--threads N] [--bench N]
//
// Inputs are .npy files, by name or in input order; outputs are written as
// DIR/<output-name>.npy. --threads sets the intra-op thread count (inter-op 1,
// sequential execution); --bench N runs N more times after the first run and
// prints "latency over N runs: min X ms, median Y ms" like spade-run.
// onnxruntime-node is found through NODE_PATH or where
// scripts/setup-onnxruntime.sh installs it (${SPADE_CACHE:-~/.cache/spade}/ort).
'use strict';

const fs = require('fs');
const path = require('path');

function die(message) {
  process.stderr.write(`ort-run: error: ${message}\n`);
  process.exit(1);
}

// .npy dtype (little-endian or byte-order-free) -> [ORT type, TypedArray].
const NPY_TYPES = {
  '<f4': ['float32', Float32Array],
  '<f8': ['float64', Float64Array],
  '|i1': ['int8', Int8Array],
  '|u1': ['uint8', Uint8Array],
  '<i2': ['int16', Int16Array],
  '<u2': ['uint16', Uint16Array],
  '<i4': ['int32', Int32Array],
  '<u4': ['uint32', Uint32Array],
  '<i8': ['int64', BigInt64Array],
  '<u8': ['uint64', BigUint64Array],
  '|b1': ['bool', Uint8Array],
};

function readNpy(file) {
  let buf;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    die(`cannot read '${file}': ${e.message}`);
  }
  if (buf.length < 10 || buf.toString('latin1', 0, 6) !== '\x93NUMPY')
    die(`'${file}' is not a .npy file`);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', start, start + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header);
  const fortran = /'fortran_order':\s*(True|False)/.exec(header);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shape) die(`'${file}': malformed .npy header`);
  if (fortran[1] === 'True') die(`'${file}': Fortran-order arrays are not supported`);
  const dtype = descr[1].replace(/^=/, '<').replace(/^<([iub]1)$/, '|$1');
  if (!(dtype in NPY_TYPES)) die(`'${file}': unsupported dtype '${descr[1]}'`);
  const [type, Array_] = NPY_TYPES[dtype];
  const dims = shape[1].split(',').map((s) => s.trim()).filter((s) => s.length).map(Number);
  const count = dims.reduce((a, b) => a * b, 1);
  const offset = start + headerLen;
  if (buf.length - offset < count * Array_.BYTES_PER_ELEMENT)
    die(`'${file}': truncated data (${count} elements of ${dtype} expected)`);
  // Copy into an aligned buffer: the data offset need not be element-aligned.
  const bytes = new Uint8Array(count * Array_.BYTES_PER_ELEMENT);
  bytes.set(buf.subarray(offset, offset + bytes.length));
  return { type, dims, data: new Array_(bytes.buffer) };
}

function writeNpy(file, tensor) {
  const entry = Object.entries(NPY_TYPES).find(([, [t]]) => t === tensor.type);
  if (!entry) die(`output type '${tensor.type}' cannot be written as .npy`);
  const dims = tensor.dims.map(String);
  const shape = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
  let header = `{'descr': '${entry[0]}', 'fortran_order': False, 'shape': ${shape}, }`;
  // Pad so that magic + version + length + header + '\n' is a multiple of 64.
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const prefix = Buffer.alloc(10);
  prefix.write('\x93NUMPY', 0, 'latin1');
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  const data = tensor.data;
  fs.writeFileSync(file, Buffer.concat([
    prefix, Buffer.from(header, 'latin1'),
    Buffer.from(data.buffer, data.byteOffset, data.byteLength),
  ]));
}

function parseArgs(argv) {
  const args = { model: null, inputs: [], outputDir: null, threads: 1, bench: 0 };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) die(`${a} needs a value`);
      return argv[++i];
    };
    const count = (name, s) => {
      if (!/^\d+$/.test(s)) die(`${name} needs a non-negative integer, got '${s}'`);
      return Number(s);
    };
    if (a === '--input') args.inputs.push(value());
    else if (a === '--output-dir') args.outputDir = value();
    else if (a === '--threads') args.threads = count(a, value());
    else if (a === '--bench') args.bench = count(a, value());
    else if (a.startsWith('--')) die(`unknown option '${a}'`);
    else if (args.model === null) args.model = a;
    else die(`unexpected argument '${a}'`);
  }
  if (args.model === null) die('usage: ort-run.js MODEL.onnx [--input NAME=FILE.npy]... [--output-dir DIR] [--threads N] [--bench N]');
  return args;
}

function dimsString(dims) {
  return dims.length ? dims.join('x') : 'scalar';
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  let ort;
  const cache = process.env.SPADE_CACHE || path.join(require('os').homedir(), '.cache', 'spade');
  for (const where of ['onnxruntime-node', path.join(cache, 'ort', 'node_modules', 'onnxruntime-node')]) {
    try {
      ort = require(where);
      break;
    } catch (e) {
      if (e.code !== 'MODULE_NOT_FOUND') die(`cannot load ${where}: ${e.message.split('\n')[0]}`);
    }
  }
  if (!ort) die(`cannot find onnxruntime-node on NODE_PATH or in ${cache}/ort; run scripts/setup-onnxruntime.sh`);
  let session;
  try {
    session = await ort.InferenceSession.create(args.model, {
      executionProviders: ['cpu'],
      intraOpNumThreads: args.threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
  } catch (e) {
    die(`${args.model}: ${e.message}`);
  }

  const feeds = {};
  let next = 0;
  for (const arg of args.inputs) {
    let name, file;
    const eq = arg.indexOf('=');
    if (eq > 0 && !fs.existsSync(arg)) {
      name = arg.slice(0, eq);
      file = arg.slice(eq + 1);
      if (!session.inputNames.includes(name)) die(`--input names '${name}', which is not a model input`);
    } else {
      if (next >= session.inputNames.length) die(`more --input files than the model's ${session.inputNames.length} inputs`);
      name = session.inputNames[next++];
      file = arg;
    }
    const t = readNpy(file);
    feeds[name] = new ort.Tensor(t.type, t.data, t.dims);
  }
  for (const name of session.inputNames)
    if (!(name in feeds)) die(`no value for input '${name}' (give --input ${name}=FILE.npy)`);

  const run = async () => {
    try {
      return await session.run(feeds);
    } catch (e) {
      die(`${args.model}: ${e.message}`);
    }
  };
  let outputs = await run();
  if (args.bench > 0) {
    const ms = [];
    for (let r = 0; r < args.bench; ++r) {
      const t0 = process.hrtime.bigint();
      outputs = await run();
      ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    ms.sort((a, b) => a - b);
    console.log(`latency over ${args.bench} runs: min ${ms[0].toFixed(3)} ms, median ${ms[Math.floor(ms.length / 2)].toFixed(3)} ms`);
  }
  if (args.outputDir !== null) fs.mkdirSync(args.outputDir, { recursive: true });
  for (const name of session.outputNames) {
    const t = outputs[name];
    console.log(`output '${name}': ${dimsString(t.dims)} ${t.type}`);
    if (args.outputDir !== null) writeNpy(path.join(args.outputDir, `${name}.npy`), t);
  }
}

main();
