// Browser side: the runner page's entry point. The harness evaluates
// `window.__corsLab.run(batch)`; every probe in the batch runs concurrently
// (their URLs carry unique nonces) and each has its own timeout, so one hung
// request becomes one `timeout` result, never a hung batch.
(function () {
  'use strict';
  const kinds = {};

  // Probes whose request must come from an opaque ("null") origin run in a
  // sandboxed or data: URL iframe holding its own copy of the probe code.
  // Each frame answers over its own MessageChannel, so concurrent frames
  // never mix their results up.
  let probeSource;
  async function runInFrame(probe) {
    probeSource ??= await (await fetch('/__lab/probes.js')).text();
    const inner = Object.assign({}, probe, { context: 'page' });
    const html =
      '<!doctype html><script>' +
      probeSource.replace(/<\/script/gi, '<\\/script') +
      '<\/script>' +
      '<script>onmessage = async (event) => { const [result] = await window.__corsLab.run([event.data]); event.ports[0].postMessage(result); };<\/script>';
    const frame = document.createElement('iframe');
    if (probe.context === 'sandboxed-iframe') {
      frame.sandbox = 'allow-scripts';
      frame.srcdoc = html;
    } else {
      frame.src = 'data:text/html;base64,' + btoa(unescape(encodeURIComponent(html)));
    }
    await new Promise((resolve) => {
      frame.onload = resolve;
      document.body.appendChild(frame);
    });
    try {
      return await new Promise((resolve) => {
        const channel = new MessageChannel();
        channel.port1.onmessage = (event) => resolve(event.data);
        frame.contentWindow.postMessage(inner, '*', [channel.port2]);
      });
    } finally {
      frame.remove();
    }
  }

  async function runOne(probe) {
    if (probe.context && probe.context !== 'page') return runInFrame(probe);
    const started = performance.now();
    const kind = kinds[probe.kind];
    if (!kind)
      return {
        nonce: probe.nonce,
        settled: 'rejected',
        error: { name: 'HarnessError', message: 'unknown probe kind ' + probe.kind },
      };
    const controller = new AbortController();
    let timer;
    const timeout = new Promise((resolve) => {
      timer = setTimeout(() => {
        controller.abort();
        resolve({
          settled: 'timeout',
          error: { name: 'TimeoutError', message: 'no settlement within ' + probe.timeoutMs + ' ms' },
        });
      }, probe.timeoutMs);
    });
    // repeat: the same request several times in a row (e.g. to reach a cached
    // preflight); the last result counts, the earlier ones are kept as evidence.
    const attempt = async () => {
      const earlier = [];
      // then: the requests after the first change some fields (e.g. credentials).
      const later = probe.then ? Object.assign({}, probe, probe.then, { repeat: 1, then: undefined }) : probe;
      // A later request may come from an opaque-origin frame (another origin, same page).
      const send = (request) =>
        request.context && request.context !== 'page' ? runInFrame(request) : kind(request, controller.signal);
      for (let i = 1; i < (probe.repeat || 1); i++) {
        const previous = await send(i === 1 ? Object.assign({}, probe, { context: 'page' }) : later);
        earlier.push({
          settled: previous.settled,
          status: previous.status,
          error: previous.error && previous.error.message,
        });
      }
      const last = await send((probe.repeat || 1) > 1 ? later : probe);
      if (earlier.length > 0) last.earlier = earlier;
      return last;
    };
    let result;
    try {
      result = await Promise.race([attempt(), timeout]);
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
