// A minimal browser for OAuth tests: plain fetch that follows redirects by hand and keeps
// cookies (name, value, path), so a login can walk authorization server -> interaction ->
// authorization server -> loopback callback exactly as a real browser would.

interface Cookie {
  value: string;
  path: string;
}

export interface Visit {
  /** The last URL fetched (the one that did not redirect). */
  url: string;
  status: number;
  body: string;
  /** Every URL fetched, in order. */
  trail: string[];
}

export class TestBrowser {
  readonly #cookies = new Map<string, Cookie>();

  /** GET `start` and follow up to `maxHops` redirects. */
  async visit(start: string, maxHops = 15): Promise<Visit> {
    const trail: string[] = [];
    let url = start;
    for (let hop = 0; hop <= maxHops; hop += 1) {
      trail.push(url);
      const res = await fetch(url, {
        redirect: 'manual',
        headers: { cookie: this.#header(new URL(url)) },
      });
      this.#store(res.headers.getSetCookie());
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.body?.cancel();
        url = new URL(location, url).href;
        continue;
      }
      return { url, status: res.status, body: await res.text(), trail };
    }
    throw new Error(`more than ${maxHops} redirects from ${start}`);
  }

  #header(url: URL): string {
    const pairs: string[] = [];
    for (const [name, cookie] of this.#cookies) {
      if (url.pathname.startsWith(cookie.path)) pairs.push(`${name}=${cookie.value}`);
    }
    return pairs.join('; ');
  }

  #store(lines: string[]): void {
    for (const line of lines) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      let path = '/';
      let expired = value === '';
      for (const attribute of attributes) {
        const [key = '', val = ''] = attribute.split('=');
        if (key.toLowerCase() === 'path') path = val || '/';
        if (key.toLowerCase() === 'max-age' && Number(val) <= 0) expired = true;
        if (key.toLowerCase() === 'expires' && Date.parse(val) < Date.now()) expired = true;
      }
      if (expired) this.#cookies.delete(name);
      else this.#cookies.set(name, { value, path });
    }
  }
}
