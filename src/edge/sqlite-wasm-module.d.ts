// workerd (and wrangler's bundler) import a `.wasm` file as a compiled WebAssembly.Module.
declare module '@sqlite.org/sqlite-wasm/sqlite3.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
