// Browser side: the fetch probe. Records whether fetch resolved or rejected,
// and what the page can read: type, status, headers, body.
(function () {
  'use strict';
  const BODY_LIMIT = 2048;

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
      body = (await response.text()).slice(0, BODY_LIMIT);
    } catch (error) {
      body = '<body not readable: ' + error.message + '>';
    }
    const result = { settled: 'resolved', type: response.type, status: response.status, readableHeaders, body };
    if (probe.readHeader) result.readHeader = { name: probe.readHeader, value: response.headers.get(probe.readHeader) };
    return result;
  };
})();
