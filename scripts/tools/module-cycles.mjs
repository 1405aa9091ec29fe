// Fails when a crate's modules import each other in a circle (a → b → … → a), the shape that
// makes a module impossible to understand or move on its own. Usage: node module-cycles.mjs DIR…
// (each DIR a crate's src/). A module's edges are its `crate::`, `super::` and `self::` paths
// outside comments and its `#[cfg(test)]` part; a module and its own submodules are one place.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

function modules(root) {
  const found = new Map();
  const walk = (dir) => {
    for (const f of readdirSync(dir)) {
      const p = path.join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (f.endsWith('.rs')) {
        const parts = path.relative(root, p).slice(0, -3).split(path.sep);
        if (parts.at(-1) === 'mod') parts.pop();
        if (parts.length === 1 && (parts[0] === 'lib' || parts[0] === 'main')) continue;
        if (parts[0] === 'bin') continue;
        const src = readFileSync(p, 'utf8').split('#[cfg(test)]')[0].replace(/\/\/.*$/gm, '');
        found.set(parts.join('::'), src);
      }
    }
  };
  walk(root);
  return found;
}

function graphOf(mods) {
  const names = new Set(mods.keys());
  const graph = new Map([...names].map((n) => [n, new Set()]));
  const resolve = (from, p) => {
    let segs = p.split('::');
    if (segs[0] === 'crate') segs = segs.slice(1);
    else if (segs[0] === 'self') segs = [...from.split('::'), ...segs.slice(1)];
    else {
      const base = from.split('::');
      while (segs[0] === 'super') { base.pop(); segs.shift(); }
      segs = [...base, ...segs];
    }
    for (let n = segs.length; n > 0; n--) if (names.has(segs.slice(0, n).join('::'))) return segs.slice(0, n).join('::');
    return null;
  };
  for (const [m, src] of mods) {
    for (const [p] of src.matchAll(/\b(?:crate|super|self)(?:::\w+)+/g)) {
      const to = resolve(m, p);
      if (to && to !== m && !to.startsWith(`${m}::`) && !m.startsWith(`${to}::`)) graph.get(m).add(to);
    }
  }
  return graph;
}

/** The strongly connected components with more than one module (Tarjan). */
function circles(graph) {
  let next = 0;
  const index = new Map(), low = new Map(), stack = [], on = new Set(), out = [];
  const visit = (v) => {
    index.set(v, next); low.set(v, next); next++; stack.push(v); on.add(v);
    for (const w of graph.get(v)) {
      if (!index.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))); }
      else if (on.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) === index.get(v)) {
      const part = [];
      let w;
      do { w = stack.pop(); on.delete(w); part.push(w); } while (w !== v);
      if (part.length > 1) out.push(part.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

let bad = 0;
for (const root of process.argv.slice(2)) {
  const graph = graphOf(modules(root));
  const found = circles(graph);
  bad += found.length;
  for (const part of found) {
    const edges = part.flatMap((m) => [...graph.get(m)].filter((t) => part.includes(t)).map((t) => `${m} → ${t}`));
    console.error(`${root}: these modules import each other in a circle:\n  ${edges.join('\n  ')}`);
  }
  if (!found.length) console.log(`${root}: no import circles among ${graph.size} modules`);
}
process.exit(bad ? 1 : 0);
