/**
 * The protocol runs in browsers and in Node, so it compiles without either's type library; this
 * is the one shared global it uses (WHATWG URL, present in both).
 */
declare class URL {
  constructor(input: string, base?: string);
  readonly href: string;
  readonly protocol: string;
  readonly hostname: string;
}
