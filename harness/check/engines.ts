// The lab, the posing proxies and the browsers a check runs in. A `check`
// run makes its own and closes them at the end; `cors-lab ui` keeps one set
// warm between runs (`keep: true`), so a run after the first starts no
// browser: the lab's CA is name-constrained to the hosts it covers, and the
// browsers trust it from their launch, so the set is kept while the next
// run's hosts are among them and made anew (browsers relaunched) otherwise.
import type { EngineDriver, EngineId, MissingEngine } from '../engines/types.ts';
import { startLab, type Lab } from '../lab/lab.ts';
import { peerIsDescendant } from '../lab/peer-process.ts';
import { startProxy, type LabProxy } from '../lab/proxy.ts';
import type { Upstream } from '../../servers/upstream.ts';
import { keptOnInterrupt } from '../session/failure.ts';
import { ProbeSession } from '../session/session.ts';

/** Where one run's requests go: the page origins the lab poses as and the targets the proxies forward to. */
export interface CheckRouting {
  /** "scheme://host:port" of each posed page origin (the host bare, as the proxy sees it). */
  posed: Set<string>;
  /** "host:port" of each target the proxies forward to. */
  targets: Set<string>;
  upstream: Upstream;
}

export interface CheckEngine {
  proxy: LabProxy;
  session: ProbeSession;
}

export class CheckEngines {
  readonly #certDir: string | undefined;
  readonly #timeoutMs: number;
  #lab?: Lab;
  #hosts = new Set<string>();
  #routing?: CheckRouting;
  readonly #engines = new Map<EngineId, Promise<CheckEngine | { notStarted: MissingEngine } | { notLaunched: true }>>();
  /** The upstream every proxy forwards through: the current run's (its --resolve, --ca and time limit). */
  readonly #forwarding = {
    forwards: (host: string, port: number) => this.#routing?.targets.has(`${host}:${port}`) ?? false,
    upstream: undefined as unknown as Upstream,
    // The leaf covers every host of the lab: each target, and each posed page host.
    certificateFor: () => this.#lab!.certificates.leaf,
  };

  /** Browsers launched so far: a warm run adds none. */
  launched = 0;

  constructor(options: { certDir?: string; timeoutMs: number }) {
    this.#certDir = options.certDir;
    this.#timeoutMs = options.timeoutMs;
  }

  /** The lab for a run over these hosts, routed as `routing` says: the one running if it covers them, else a new one (the browsers of the old one closed). */
  async labFor(hostnames: Set<string>, routing: CheckRouting): Promise<Lab> {
    this.#routing = routing;
    this.#forwarding.upstream = routing.upstream;
    if (this.#lab && [...hostnames].every((host) => this.#hosts.has(host))) return this.#lab;
    await this.close();
    this.#lab = await startLab({ hostnames: [...hostnames], certDir: this.#certDir });
    this.#hosts = new Set(hostnames);
    return this.#lab;
  }

  /** The engine's proxy and browser, launched through that proxy once per lab. */
  engine(
    id: EngineId,
    driver: EngineDriver,
  ): Promise<CheckEngine | { notStarted: MissingEngine } | { notLaunched: true }> {
    let started = this.#engines.get(id);
    if (!started) {
      started = this.#start(id, driver);
      this.#engines.set(id, started);
      // One that did not start is tried again by the next run, not remembered as missing.
      void started.then((engine) => {
        if (!('session' in engine)) this.#engines.delete(id);
      });
    }
    return started;
  }

  async #start(
    id: EngineId,
    driver: EngineDriver,
  ): Promise<CheckEngine | { notStarted: MissingEngine } | { notLaunched: true }> {
    const lab = this.#lab!;
    const posedPort = (scheme: 'http' | 'https', host: string, port: number): number | undefined =>
      this.#routing?.posed.has(`${scheme}://${host}:${port}`)
        ? lab.ports[scheme === 'https' ? 'https-main' : 'http-main']
        : undefined;
    // One proxy per engine: its journal entries are that engine's traffic.
    // A remote browser reaches it at its lab address, from another process (and machine): only the local ones are held to their own processes.
    const remoteHost = driver.reachesLabThrough?.proxyListenHost;
    const proxy = await startProxy({
      journal: lab.journal,
      label: `proxy:${id}`,
      posedPort,
      forwarding: this.#forwarding,
      ...(remoteHost ? { listenHost: remoteHost } : { admits: peerIsDescendant }),
    });
    this.launched++;
    const started = await ProbeSession.start(id, driver, lab, {
      timeoutMs: this.#timeoutMs,
      launch: { proxy: proxy.address },
    }).catch(keptOnInterrupt(undefined));
    if (started && 'session' in started) return { proxy, session: started.session };
    await proxy.close();
    return started ?? { notLaunched: true };
  }

  /** Closes one engine's browser and proxy (a run that keeps nothing, as soon as that engine is done). */
  async closeEngine(id: EngineId): Promise<void> {
    const started = this.#engines.get(id);
    this.#engines.delete(id);
    const engine = await started?.catch(() => undefined);
    if (engine && 'session' in engine) {
      await engine.session.close();
      await engine.proxy.close();
    }
  }

  /** Closes every browser, proxy and the lab. */
  async close(): Promise<void> {
    await Promise.all([...this.#engines.keys()].map((id) => this.closeEngine(id)));
    await this.#lab?.close();
    this.#lab = undefined;
    this.#hosts = new Set();
  }
}
