/** Names gateway pods use with istiod's injection. Annotation names live in src/labels.ts. */
/** The injection template gateway pods ask for, and the container it fills in. */
export const GATEWAY_TEMPLATE = 'gateway';
export const PROXY_CONTAINER = 'istio-proxy';
/** Placeholder image istiod replaces with the proxy image of its revision. */
export const AUTO_IMAGE = 'auto';
