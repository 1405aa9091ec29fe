// Drops the linker's relocation sections ("linking", "reloc.*") from a wasm file in place. The
// release wasm is linked with --emit-relocs for the app's splitter (wasm-split-cli reads them);
// the sign-in module shares that build's flags and target folder, so it has them too, and
// neither wasm-bindgen nor wasm-opt removes them. Usage: node strip-relocs.mjs FILE
import { readFileSync, writeFileSync } from 'node:fs';

const file = process.argv[2];
const bytes = readFileSync(file);
const leb = (at) => {
  let value = 0, shift = 0, b;
  do { b = bytes[at++]; value += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
  return [value, at];
};
const kept = [bytes.subarray(0, 8)];
for (let at = 8; at < bytes.length;) {
  const start = at, id = bytes[at];
  const [size, body] = leb(at + 1);
  at = body + size;
  if (id === 0) {
    const [nameLen, nameAt] = leb(body);
    const name = bytes.subarray(nameAt, nameAt + nameLen).toString('utf8');
    if (name === 'linking' || name.startsWith('reloc.')) continue;
  }
  kept.push(bytes.subarray(start, at));
}
writeFileSync(file, Buffer.concat(kept));
