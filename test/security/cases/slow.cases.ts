import { connect } from 'node:net';
import { A, type Stack } from '../stack.js';
import type { HostileCase } from './case.js';

/** A raw client that writes `start`, then one byte a second, until the server answers or closes. */
function slowClient(url: string, start: string): Promise<number | 'closed'> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = '';
    let timer: NodeJS.Timeout | undefined;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? undefined : reject(err)));
    socket.on('close', () => {
      clearInterval(timer);
      const status = /^HTTP\/1\.1 (\d{3})/.exec(received);
      resolve(status ? Number(status[1]) : 'closed');
    });
    socket.on('connect', () => {
      socket.write(start);
      timer = setInterval(() => socket.writable && socket.write('a'), 1000);
    });
  });
}

/** Slow clients against the ingress: cut off by its timeouts within seconds (issue 19, fix 2). */
export function slowCases(s: Stack): HostileCase[] {
  const path = `/wechat/${A.appId}/events?timestamp=1&nonce=1&msg_signature=x`;
  return [
    {
      area: 'push: slow clients',
      name: 'headers never finished',
      expected: [408, 'closed'],
      why: 'header timeout (5 s)',
      send: () => slowClient(s.ingressUrl, `POST ${path} HTTP/1.1\r\nHost: x\r\nX-Slow: `),
    },
    {
      area: 'push: slow clients',
      name: 'body sent a byte a second',
      expected: [408, 'closed'],
      why: 'request timeout (5 s)',
      send: () =>
        slowClient(s.ingressUrl, `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: 4000\r\n\r\n<xml>`),
    },
    {
      area: 'pages: slow clients',
      name: 'authorization page headers never finished',
      expected: [408, 'closed'],
      why: 'header timeout (5 s)',
      send: () => slowClient(s.ingressUrl, `GET /authorize?shop=s HTTP/1.1\r\nHost: x\r\nX-Slow: `),
    },
  ];
}
