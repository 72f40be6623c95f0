// The request a catalog scenario's probe makes, rendered for one lab and one
// nonce: what the page's probe runtime receives.
import type { LabAddresses } from '../lab/lab.ts';
import type { ProbeRequest } from '../probes/bundle.ts';
import type { Scenario } from '../scenario/loader.ts';
import { effectiveModes } from '../scenario/modes.ts';

export function probeRequest(
  scenario: Scenario,
  lab: Pick<LabAddresses, 'render' | 'probeUrl'>,
  nonce: string,
  timeoutMs: number,
): ProbeRequest {
  const request = scenario.request;
  const renderHeaders = (headers: Record<string, string>) =>
    Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, lab.render(scenario, nonce, value)]));
  return {
    nonce,
    kind: request.kind,
    url: lab.probeUrl(scenario, nonce),
    method: request.method,
    headers: renderHeaders(request.headers),
    ...effectiveModes(request),
    ...(request.body !== undefined ? { body: lab.render(scenario, nonce, request.body) } : {}),
    ...(request.readHeader ? { readHeader: request.readHeader } : {}),
    ...(request.context !== 'page' ? { context: request.context } : {}),
    ...(request.repeat > 1 ? { repeat: request.repeat } : {}),
    ...(request.then
      ? {
          then: {
            ...(request.then.credentials ? { credentials: request.then.credentials } : {}),
            ...(request.then.context ? { context: request.then.context } : {}),
            ...(request.then.headers ? { headers: renderHeaders(request.then.headers) } : {}),
          },
        }
      : {}),
    ...(request.keepalive ? { keepalive: true } : {}),
    ...(request.uploadListener ? { uploadListener: true } : {}),
    ...(request.crossOrigin && request.crossOrigin !== 'none' ? { crossOrigin: request.crossOrigin } : {}),
    ...(request.drawVia ? { drawVia: request.drawVia } : {}),
    ...(request.kind === 'font' ? { fontVia: request.fontVia ?? 'font-face-rule' } : {}),
    timeoutMs,
  };
}
