// The pack's entry point. The CLI's runner `require`s the pack with ts-node registered for `.ts`
// files (it offers no way to turn that off), so this entry hands the TypeScript to Node's own
// loader instead: `import()` strips the types, as for the stack program. The runner awaits the
// promise.
module.exports = import("./index.ts");
