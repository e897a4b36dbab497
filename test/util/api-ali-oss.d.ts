// ali-oss ships no type declarations; the tests call it exactly as a JavaScript user would.
declare module 'ali-oss' {
  class OSS {
    constructor(options: Record<string, unknown>);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    [method: string]: any;
  }
  export default OSS;
}
