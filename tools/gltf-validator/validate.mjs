#!/usr/bin/env node
// Validates one glTF/GLB file with the Khronos glTF-Validator (npm `gltf-validator`).
//
// Usage: node validate.mjs FILE.glb|FILE.gltf
//
// Prints one JSON object on stdout: the file, the validator version, the issue
// counts (numErrors, numWarnings, numInfos, numHints), the asset info, and the
// count of issues per code (`codes`), and the first issue messages (code,
// severity, pointer, message).
//
// Exit status: 0 when numErrors is 0; 1 when the file has errors (or the
// validator refused it outright); 2 on bad usage or an unreadable file;
// 3 when the validator package is not installed (run `npm ci` in this folder).

import { readFile } from 'node:fs/promises';
import path from 'node:path';

const MAX_MESSAGES = 30;

function fail(code, message) {
  process.stderr.write(`validate.mjs: ${message}\n`);
  process.exit(code);
}

const args = process.argv.slice(2);
if (args.length !== 1 || args[0] === '-h' || args[0] === '--help') {
  fail(2, 'usage: node validate.mjs FILE.glb|FILE.gltf');
}
const file = args[0];

let validator;
try {
  validator = await import('gltf-validator');
} catch (e) {
  fail(3, `the npm package gltf-validator is not installed (${e.code ?? e.message}); ` +
    `run \`npm ci\` in ${path.dirname(new URL(import.meta.url).pathname)}`);
}

let bytes;
try {
  bytes = new Uint8Array(await readFile(file));
} catch (e) {
  fail(2, `cannot read ${file}: ${e.message}`);
}

const ext = path.extname(file).toLowerCase();
const options = {
  uri: path.basename(file),
  writeTimestamp: false,
  maxIssues: 0,
  // External resources (a .gltf's .bin) are resolved beside the file.
  externalResourceFunction: async (uri) =>
    new Uint8Array(await readFile(path.resolve(path.dirname(file), decodeURIComponent(uri)))),
};
// Skip sniffing by first byte: a broken .glb is still judged as a GLB.
if (ext === '.glb') options.format = 'glb';
else if (ext === '.gltf') options.format = 'gltf';

let report;
try {
  report = await validator.validateBytes(bytes, options);
} catch (e) {
  // The validator rejects the input before producing a report.
  const summary = {
    file,
    validatorVersion: validator.version(),
    numErrors: 1,
    numWarnings: 0,
    numInfos: 0,
    numHints: 0,
    codes: { VALIDATOR_REJECTED: 1 },
    messages: [{ code: 'VALIDATOR_REJECTED', severity: 0, message: String(e) }],
  };
  process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  process.exit(1);
}

const issues = report.issues ?? {};
const codes = {};
for (const m of issues.messages ?? []) codes[m.code] = (codes[m.code] ?? 0) + 1;
const summary = {
  file,
  validatorVersion: report.validatorVersion,
  mimeType: report.mimeType,
  numErrors: issues.numErrors ?? 0,
  numWarnings: issues.numWarnings ?? 0,
  numInfos: issues.numInfos ?? 0,
  numHints: issues.numHints ?? 0,
  truncated: issues.truncated ?? false,
  info: report.info,
  codes,
  messages: (issues.messages ?? []).slice(0, MAX_MESSAGES).map((m) => ({
    code: m.code,
    severity: m.severity,
    pointer: m.pointer,
    offset: m.offset,
    message: m.message,
  })),
};
process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
process.exit(summary.numErrors > 0 ? 1 : 0);
