// Browser side: the XMLHttpRequest probe. withCredentials follows the
// scenario's credentials mode ("include" sets it). An upload listener, which
// makes the request need a preflight, is added when the scenario asks.
(function () {
  'use strict';
  const BODY_LIMIT = 2048;
  /** How long the body may keep coming once the headers are in: a stream never ends. */
  const BODY_WAIT_MS = 1000;

  function parseHeaders(text) {
    const headers = {};
    for (const line of text.trim().split(/\r?\n/)) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = name in headers ? headers[name] + ', ' + value : value;
    }
    return headers;
  }

  window.__corsLab.kinds.xhr = function xhrProbe(probe, signal) {
    return new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      xhr.open(probe.method, probe.url, true);
      xhr.withCredentials = probe.credentials === 'include';
      for (const [name, value] of Object.entries(probe.headers)) xhr.setRequestHeader(name, value);
      if (probe.uploadListener) xhr.upload.onprogress = function () {};
      signal.addEventListener('abort', () => xhr.abort());
      let settled = false;
      const finish = function (streaming) {
        if (settled) return;
        settled = true;
        const body = String(xhr.responseText).slice(0, BODY_LIMIT);
        const result = {
          settled: 'resolved',
          type: 'xhr',
          status: xhr.status,
          readableHeaders: parseHeaders(xhr.getAllResponseHeaders()),
          body: streaming ? body + '<still streaming after ' + BODY_WAIT_MS + ' ms: read no further>' : body,
        };
        if (probe.readHeader)
          result.readHeader = { name: probe.readHeader, value: xhr.getResponseHeader(probe.readHeader) };
        resolve(result);
        if (streaming) xhr.abort();
      };
      xhr.onload = function () {
        finish(false);
      };
      // The headers are in (so CORS has let the response through); a body that
      // keeps coming (Server-Sent Events) is cut off rather than waited for.
      xhr.onreadystatechange = function () {
        if (xhr.readyState === XMLHttpRequest.HEADERS_RECEIVED) setTimeout(() => finish(true), BODY_WAIT_MS);
      };
      // An XHR network error carries no message; status 0 is all the page sees.
      xhr.onerror = function () {
        if (settled) return;
        settled = true;
        resolve({
          settled: 'rejected',
          error: { name: 'NetworkError', message: 'XMLHttpRequest error event (status ' + xhr.status + ')' },
        });
      };
      xhr.send(probe.body === undefined ? null : probe.body);
    });
  };
})();
