// Browser side: the runner page's entry point. The harness evaluates
// `window.__corsLab.run(batch)`; every probe in the batch runs concurrently
// (their URLs carry unique nonces) and each has its own timeout, so one hung
// request becomes one `timeout` result, never a hung batch.
(function () {
  'use strict';
  const kinds = {};

  async function runOne(probe) {
    const started = performance.now();
    const kind = kinds[probe.kind];
    if (!kind) return { nonce: probe.nonce, settled: 'rejected', error: { name: 'HarnessError', message: 'unknown probe kind ' + probe.kind } };
    const controller = new AbortController();
    let timer;
    const timeout = new Promise((resolve) => {
      timer = setTimeout(() => {
        controller.abort();
        resolve({ settled: 'timeout', error: { name: 'TimeoutError', message: 'no settlement within ' + probe.timeoutMs + ' ms' } });
      }, probe.timeoutMs);
    });
    let result;
    try {
      result = await Promise.race([kind(probe, controller.signal), timeout]);
    } catch (error) {
      result = { settled: 'rejected', error: { name: error && error.name, message: String(error && error.message) } };
    } finally {
      clearTimeout(timer);
    }
    result.nonce = probe.nonce;
    result.durationMs = Math.round(performance.now() - started);
    return result;
  }

  window.__corsLab = {
    kinds,
    run(batch) {
      return Promise.all(batch.map(runOne));
    },
  };
})();
