// Browser side: the fetch probe. Records whether fetch resolved or rejected,
// and what the page can read: type, status, headers, body.
(function () {
  'use strict';
  const BODY_LIMIT = 2048;
  /** How long the body may keep coming once the response is in: a stream (Server-Sent Events) never ends. */
  const BODY_WAIT_MS = 1000;

  /**
   * Up to BODY_LIMIT characters of the body, then the stream is cancelled, so
   * that an endless body neither holds the probe nor keeps its connection
   * open. CORS is decided by then: the response was readable or not.
   */
  async function readBody(response) {
    if (!response.body) return '';
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let text = '';
    let timer;
    const deadline = new Promise((resolve) => {
      timer = setTimeout(() => resolve('deadline'), BODY_WAIT_MS);
    });
    try {
      while (text.length < BODY_LIMIT) {
        const next = await Promise.race([reader.read(), deadline]);
        if (next === 'deadline')
          return text.slice(0, BODY_LIMIT) + '<still streaming after ' + BODY_WAIT_MS + ' ms: read no further>';
        if (next.done) return text + decoder.decode();
        text += decoder.decode(next.value, { stream: true });
      }
      return text.slice(0, BODY_LIMIT);
    } finally {
      clearTimeout(timer);
      reader.cancel().catch(() => {});
    }
  }

  window.__corsLab.kinds.fetch = async function fetchProbe(probe, signal) {
    const init = {
      method: probe.method,
      headers: probe.headers,
      mode: probe.mode,
      credentials: probe.credentials,
      signal,
    };
    if (probe.keepalive) init.keepalive = true;
    if (probe.cache) init.cache = probe.cache;
    if (probe.body !== undefined && probe.body !== null) init.body = probe.body;
    let response;
    try {
      response = await fetch(probe.url, init);
    } catch (error) {
      return { settled: 'rejected', error: { name: error.name, message: error.message } };
    }
    const readableHeaders = {};
    response.headers.forEach((value, name) => {
      readableHeaders[name] = value;
    });
    let body = '';
    try {
      body = await readBody(response);
    } catch (error) {
      body = '<body not readable: ' + error.message + '>';
    }
    const result = { settled: 'resolved', type: response.type, status: response.status, readableHeaders, body };
    if (probe.readHeader) result.readHeader = { name: probe.readHeader, value: response.headers.get(probe.readHeader) };
    return result;
  };
})();
