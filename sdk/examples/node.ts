/**
 * Node 20 has fetch but no global WebSocket: pass one in (the `ws` package fits). Bun and browsers need nothing.
 *
 *   import WebSocket from 'ws';
 *   const client = nodeClient('http://localhost:3000', WebSocket);
 */
import { MedChat, memoryTokens, type WebSocketConstructor } from '@medchat/sdk';

export function nodeClient(baseUrl: string, WebSocket: WebSocketConstructor): MedChat {
  return new MedChat({ baseUrl, WebSocket, storage: memoryTokens() });
}
