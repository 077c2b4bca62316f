import { isLoopbackAddress } from '../../../src/receiver/access';

describe('isLoopbackAddress', () => {
  it('knows the peers on this machine: 127.0.0.0/8, ::1 and IPv4 loopback mapped into IPv6', () => {
    for (const address of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1', '::FFFF:127.0.0.2'])
      expect([address, isLoopbackAddress(address)]).toEqual([address, true]);
  });

  it('takes every other address, and an unknown one, as remote', () => {
    for (const address of ['192.0.2.2', '10.0.0.1', '128.0.0.1', 'fd00::2', '::ffff:192.0.2.2', '::', undefined])
      expect([address, isLoopbackAddress(address)]).toEqual([address, false]);
  });
});
