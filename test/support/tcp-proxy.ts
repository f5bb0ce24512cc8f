import { connect, createServer, type Server, type Socket } from 'node:net';

/** A loopback TCP relay that tests can cut and restore, to simulate a database going away. */
export async function startTcpProxy(target: { host: string; port: number }, port = 0) {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let boundPort = port;

  const open = () =>
    new Promise<void>((ready) => {
      server = createServer((client) => {
        const upstream = connect(target.port, target.host);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
          socket.on('error', () => socket.destroy());
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(boundPort, '127.0.0.1', () => {
        const address = server?.address();
        if (address && typeof address === 'object') boundPort = address.port;
        ready();
      });
    });

  await open();
  return {
    get port() {
      return boundPort;
    },
    /** Drops every connection and stops listening. */
    async cut() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
    },
    restore: open,
  };
}
