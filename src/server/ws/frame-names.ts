/**
 * The names of the WebSocket protocol's frames and presence statuses, apart from the schemas in protocol.ts so that
 * a browser client (the operator console) can import them without the server's validators.
 */

/** The URL the endpoint is mounted on. */
export const WS_PATH = '/api/v1/ws';

/** Types of the frames a client sends. */
export const CLIENT_FRAME = {
  hello: 'hello',
  subscribe: 'subscribe',
  unsubscribe: 'unsubscribe',
  send: 'send',
  interrupt: 'interrupt',
  approve: 'approve',
  presence: 'presence',
} as const;

/** Types of the frames the server sends. */
export const SERVER_FRAME = {
  welcome: 'welcome',
  subscribed: 'subscribed',
  event: 'event',
  unsubscribed: 'unsubscribed',
  ack: 'ack',
  interrupted: 'interrupted',
  approved: 'approved',
  presence: 'presence',
  error: 'error',
} as const;

/** What a user is doing in a session; `left` is only ever sent by the server (their last connection went away). */
export const PRESENCE_STATUS = { watching: 'watching', typing: 'typing', idle: 'idle', left: 'left' } as const;
