// Times the adaptive step compiled to wasm32 (engine/examples/wasm_step.rs) in Node and
// compares it with the native figure of the same workload.
//
// usage: node wasm_step.mjs WASM_FILE NATIVE_US_PER_STEP
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";

const [file, nativeArg] = process.argv.slice(2);
if (!file) {
  console.error("usage: node wasm_step.mjs WASM_FILE [NATIVE_US_PER_STEP]");
  process.exit(2);
}
const { instance } = await WebAssembly.instantiate(readFileSync(file), {});
const { setup, steps } = instance.exports;
setup();
steps(50); // warm-up: let the engine tier up
let best = Infinity;
for (let round = 0; round < 5; round++) {
  const t0 = performance.now();
  const n = Math.floor(steps(300));
  const us = ((performance.now() - t0) * 1000) / n;
  best = Math.min(best, us);
}
const native = Number(nativeArg);
let line = `  wasm32 in Node ${process.versions.node}: ${best.toFixed(2)} µs/step (best of 5 rounds of 300 tests)`;
if (native > 0) {
  const ratio = best / native;
  line += `; native ${native.toFixed(2)} µs/step; wasm/native = ${ratio.toFixed(2)} (target <= 2): ${ratio <= 2 ? "met" : "NOT met"}`;
}
console.log(line);
