// Inserts text into an HTML file before the first occurrence of a marker, taken literally (no
// pattern characters; `$` and `&` are plain text), or fails: `node insert-html.mjs FILE MARKER TEXT`.
import { readFileSync, writeFileSync } from 'node:fs';

const [file, marker, text] = process.argv.slice(2);
const html = readFileSync(file, 'utf8');
const at = html.indexOf(marker);
if (at < 0) {
  console.error(`${file} has no ${marker}`);
  process.exit(1);
}
writeFileSync(file, html.slice(0, at) + text + html.slice(at));
