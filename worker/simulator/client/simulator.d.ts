// simulator.js is the browser script, not a module of the Worker: wrangler.toml's [[rules]] (and the
// vitest plugin, which reads them) import it as Text, so to TypeScript it is its source string.
declare const source: string;
export default source;
