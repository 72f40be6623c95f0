// connectLab's mistakes are said in words: no address (the global setup that
// provides it is not in vitest.config.ts) and no lab at the address.
import { describe, expect, it } from 'vitest';
import { connectLab } from '../../harness/api/remote.ts';

describe('connectLab without a lab', () => {
  it('says the global setup is missing when it is given no address', async () => {
    await expect(connectLab(undefined as unknown as string)).rejects.toThrow(
      /^connectLab needs the address serveLab returned \(got undefined\)\. Fix: list the global setup .* in vitest\.config\.ts \(test\.globalSetup\)/,
    );
  });

  it('says no lab answers at an address where none listens', async () => {
    // Port 1 on loopback: nothing listens there, the connection is refused at once.
    await expect(connectLab('http://127.0.0.1:1')).rejects.toThrow(
      /^connectLab: no lab answers at http:\/\/127\.0\.0\.1:1 \(.*\)\. Fix: is the global setup's serveLab still running\?/,
    );
  });
});
