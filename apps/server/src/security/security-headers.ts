import helmet from 'helmet';

/**
 * HTTP security headers for everything we serve (helmet): a strict Content-Security-Policy that
 * allows only our own scripts and styles (no inline script, no eval), images from us (avatars)
 * and data: URLs, sockets to our own origin; no framing (clickjacking), no MIME sniffing, no
 * referrer leaks. The avatar route narrows the policy further for its SVGs.
 */
export function securityHeaders() {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        manifestSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'none'"],
        frameAncestors: ["'none'"],
      },
    },
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: false,
  });
}
