/**
 * Speed hack: the first value of a number field that will hold cycles or picoseconds. V8 keeps each field of an
 * object in the representation of the first value written to it: a small integer (a "Smi") for 0 or -1. Cycles
 * and picoseconds later come as numbers V8 holds as doubles (read from a Float64Array, or the result of a
 * division), and the first such write generalizes the field: the object's hidden class (map) is deprecated and
 * every optimized function that relied on it deoptimizes and is compiled again, in the middle of a run. A field
 * written DOUBLE_FIELD first has the double representation from the start (any integer stored later fits it); the
 * constructor then writes the field's real initial value. A 1 M-request `strata dram` run had 7 "wrong map"
 * deoptimizations from such fields, and has none with them seeded (`node --trace-deopt`; the test
 * test/dram/field-representation.test.ts checks that a run deprecates no map).
 */
export const DOUBLE_FIELD = 0.5;
