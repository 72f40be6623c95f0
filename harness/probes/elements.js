// Browser side: resources a page loads through elements, each with its own
// way of hiding cross-origin content:
//   script        window.onerror gets "Script error." (muted) unless CORS-same-origin;
//   stylesheet    sheet.cssRules throws SecurityError unless CORS-same-origin;
//   event-source  an EventSource either opens and gets a message, or errors.
(function () {
  'use strict';
  const kinds = window.__corsLab.kinds;
  const SECRET = 'cors-lab-secret-message';

  function loadElement(element, signal) {
    return new Promise((resolve) => {
      element.onload = () => resolve(true);
      element.onerror = () => resolve(false);
      signal.addEventListener('abort', () => resolve(false));
      document.head.appendChild(element);
    });
  }

  kinds.script = async function scriptProbe(probe, signal) {
    // Concurrent script probes share this window: only a message naming this
    // probe's own URL is ours. A muted error ("Script error.") names nothing,
    // so not seeing our message means the error was muted.
    const own = SECRET + ' from ' + probe.url;
    let seen = null;
    let mutedSeen = false;
    const onError = (event) => {
      const message = String(event.message);
      if (message.includes(own)) seen = message;
      else if (message === 'Script error.') mutedSeen = true;
      else return;
      event.preventDefault();
    };
    window.addEventListener('error', onError);
    const script = document.createElement('script');
    if (probe.crossOrigin) script.crossOrigin = probe.crossOrigin;
    script.src = probe.url;
    const loaded = await loadElement(script, signal);
    await new Promise((resolve) => setTimeout(resolve, 0));
    window.removeEventListener('error', onError);
    script.remove();
    if (!loaded)
      return {
        settled: 'rejected',
        error: { name: 'ScriptLoadError', message: 'the script failed to load (error event)' },
      };
    if (seen) return { settled: 'resolved', type: 'script', body: 'window.onerror message: ' + seen };
    const body = mutedSeen ? 'window.onerror message: Script error.' : "no error event with this script's message";
    return {
      settled: 'resolved',
      type: 'script',
      body,
      withheld: 'the script error was muted: window.onerror never saw its message',
    };
  };

  kinds.stylesheet = async function stylesheetProbe(probe, signal) {
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    if (probe.crossOrigin) link.crossOrigin = probe.crossOrigin;
    link.href = probe.url;
    const loaded = await loadElement(link, signal);
    try {
      if (!loaded)
        return {
          settled: 'rejected',
          error: { name: 'StylesheetLoadError', message: 'the stylesheet failed to load (error event)' },
        };
      try {
        const rules = link.sheet.cssRules;
        return {
          settled: 'resolved',
          type: 'stylesheet',
          body: rules.length + ' rule(s): ' + (rules[0] ? rules[0].cssText : ''),
        };
      } catch (error) {
        return {
          settled: 'resolved',
          type: 'stylesheet',
          body: 'cssRules threw ' + error.name,
          withheld: 'sheet.cssRules threw ' + error.name + ': the rules are hidden from the page',
        };
      }
    } finally {
      link.remove();
    }
  };

  kinds['event-source'] = function eventSourceProbe(probe, signal) {
    return new Promise((resolve) => {
      const source = new EventSource(probe.url, { withCredentials: probe.credentials === 'include' });
      const finish = (result) => {
        source.close();
        resolve(result);
      };
      source.onmessage = (event) =>
        finish({ settled: 'resolved', type: 'event-source', body: 'message: ' + event.data });
      source.onerror = () =>
        finish({
          settled: 'rejected',
          error: {
            name: 'EventSourceError',
            message: 'error event before any message (readyState ' + source.readyState + ')',
          },
        });
      signal.addEventListener('abort', () => source.close());
    });
  };
})();
