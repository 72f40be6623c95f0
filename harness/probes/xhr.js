// Browser side: the XMLHttpRequest probe. withCredentials follows the
// scenario's credentials mode ("include" sets it). An upload listener, which
// makes the request need a preflight, is added when the scenario asks.
(function () {
  'use strict';
  const BODY_LIMIT = 2048;

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
      xhr.onload = function () {
        const result = {
          settled: 'resolved',
          type: 'xhr',
          status: xhr.status,
          readableHeaders: parseHeaders(xhr.getAllResponseHeaders()),
          body: String(xhr.responseText).slice(0, BODY_LIMIT),
        };
        if (probe.readHeader) result.readHeader = { name: probe.readHeader, value: xhr.getResponseHeader(probe.readHeader) };
        resolve(result);
      };
      // An XHR network error carries no message; status 0 is all the page sees.
      xhr.onerror = function () {
        resolve({ settled: 'rejected', error: { name: 'NetworkError', message: 'XMLHttpRequest error event (status ' + xhr.status + ')' } });
      };
      xhr.send(probe.body === undefined ? null : probe.body);
    });
  };
})();
