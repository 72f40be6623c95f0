// Launching an engine for a lab: the lab CA trusted (and only it), one time
// limit, and a second attempt, the same in every flow. A browser on a busy
// machine now and then misses its start; one more try is cheaper than a
// column of error cells.
import { firstLine } from './failure.ts';
import type { EngineDriver, EngineId, LaunchedEngine, LaunchOptions, MissingEngine } from '../engines/types.ts';
import { withTimeout } from '../engines/system.ts';
import { trustMaterial, type LabCertificates } from '../lab/certificates.ts';
import { LAUNCH_TIMEOUT_MS } from './page.ts';

export type LaunchExtras = Omit<LaunchOptions, 'trust' | 'timeoutMs'>;

/** The launch options for a lab: its CA as the trust, the common time limit, and the flow's extras. */
export function labLaunchOptions(certificates: LabCertificates, extras: LaunchExtras = {}): LaunchOptions {
  return { trust: trustMaterial(certificates), timeoutMs: LAUNCH_TIMEOUT_MS, ...extras };
}

/** How long past its own time limit a launch may take before it is given up: a browser that dies at start can leave its driver waiting. */
const LAUNCH_DEADLINE_SLACK_MS = 5000;

/**
 * Launches `driver`'s browser trusting the lab's CA, each attempt under a
 * deadline (a launch that missed it is closed once it finishes); a second
 * failure is thrown (notStarted turns it into the not-run entry). A first
 * failure goes to `onRetry`, so a result can say its engine needed two.
 */
export async function launchForLab(
  driver: EngineDriver,
  certificates: LabCertificates,
  extras: LaunchExtras = {},
  onRetry?: (cause: string) => void,
): Promise<LaunchedEngine> {
  const options = labLaunchOptions(certificates, extras);
  const attempt = (number: number) => {
    const launching = driver.launch(options);
    return withTimeout(
      launching,
      LAUNCH_TIMEOUT_MS + LAUNCH_DEADLINE_SLACK_MS,
      `launching ${driver.id} (attempt ${number} of 2)`,
    ).catch((error: unknown) => {
      void launching.then(
        (late) => late.close(),
        () => {},
      );
      throw error;
    });
  };
  try {
    return await attempt(1);
  } catch (error) {
    onRetry?.(firstLine(error));
    return attempt(2);
  }
}

/**
 * How every flow records an engine that was found and did not start (after
 * the second attempt): not run, with why. Nothing is measured or invented
 * for it, and the CLI treats it as a harness failure (exit 2).
 */
export function notStarted(id: EngineId, error: unknown, driver?: EngineDriver): MissingEngine {
  return {
    id,
    reason: `the engine did not start: ${firstLine(error)}`,
    // A remote engine's browser is the endpoint's: its own status and log say why.
    fix: driver?.reachesLabThrough
      ? "look at the endpoint's own status and log (a Selenium Grid: /status, its slots, and the node's log) and at the engine's capabilities"
      : 'npx cors-lab browsers   (shows each engine and how to fix it)',
    found: true,
  };
}
