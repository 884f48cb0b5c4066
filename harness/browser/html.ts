import { parse, type HTMLElement } from 'node-html-parser';

export interface FormField {
  name: string;
  /** Lower-cased input type ('text', 'password', 'hidden', 'email', 'select', 'textarea', ...). */
  type: string;
  /** The value the browser would submit if the user typed nothing. */
  value: string;
  /** The element's id, when it has one (used by guessLoginFields). */
  id?: string;
}

export interface ParsedForm {
  /** Absolute logical URL the form submits to. */
  action: string;
  method: 'GET' | 'POST';
  enctype: string;
  /**
   * Successful controls in document order, as a browser would submit them without user
   * input: hidden inputs (CSRF tokens, state) kept; unchecked checkboxes/radios, buttons,
   * file inputs and disabled controls left out.
   */
  fields: FormField[];
  id?: string;
  /** URL of the page the form came from (parseForms' baseUrl): sent as Origin/Referer on submit. */
  documentUrl?: string;
  /** Named submit buttons (not in `fields`: a browser sends only the one that was clicked). */
  submitters?: { name: string; value: string }[];
  /**
   * The method attribute as written (trimmed, lower-cased), absent when the form has none:
   * `method` says how a browser would send the form, this says whether the page asked for it
   * (a form without one may be an app's, sent by its script).
   */
  methodAttribute?: string;
}

const SKIPPED_INPUT_TYPES = new Set(['submit', 'button', 'image', 'reset', 'file']);

/** Parses every <form> of a page. Relative actions resolve against <base href> or baseUrl. */
export function parseForms(html: string, baseUrl: string): ParsedForm[] {
  const root = parse(html, { comment: false });
  const base = documentBase(root, baseUrl);
  const docUrl = stripFragment(baseUrl);
  const forms = root.querySelectorAll('form');
  // Controls placed outside a form but attached to it with form="id".
  const detached = root.querySelectorAll('input[form], select[form], textarea[form], button[form]');
  return forms.map((form) => {
    const id = form.getAttribute('id') || undefined;
    const rawAction = form.getAttribute('action');
    const action = rawAction && rawAction.trim() !== '' ? new URL(rawAction.trim(), base).href : docUrl;
    const methodAttribute = form.getAttribute('method')?.trim().toLowerCase();
    const m = (form.getAttribute('method') || 'GET').trim().toUpperCase();
    const method: 'GET' | 'POST' = m === 'POST' ? 'POST' : 'GET';
    const enctype = (form.getAttribute('enctype') || 'application/x-www-form-urlencoded').trim().toLowerCase();
    const own = form
      .querySelectorAll('input, select, textarea, button')
      .filter((el) => !el.hasAttribute('form') || (id !== undefined && el.getAttribute('form') === id));
    const attached = id ? detached.filter((el) => el.getAttribute('form') === id && !isInside(el, form)) : [];
    const fields: FormField[] = [];
    const submitters: { name: string; value: string }[] = [];
    for (const el of [...own, ...attached]) {
      const name = el.getAttribute('name');
      if (!name || el.hasAttribute('disabled')) continue;
      const tag = el.tagName.toLowerCase();
      const elId = el.getAttribute('id') || undefined;
      if (tag === 'button') {
        const t = (el.getAttribute('type') || 'submit').toLowerCase();
        if (t === 'submit') submitters.push({ name, value: el.getAttribute('value') ?? '' });
        continue;
      }
      if (tag === 'select') {
        const opts = el.querySelectorAll('option');
        const chosen = opts.find((o) => o.hasAttribute('selected')) ?? opts[0];
        if (chosen) fields.push(withId({ name, type: 'select', value: chosen.getAttribute('value') ?? chosen.text.trim() }, elId));
        continue;
      }
      if (tag === 'textarea') {
        fields.push(withId({ name, type: 'textarea', value: el.text }, elId));
        continue;
      }
      const type = (el.getAttribute('type') || 'text').trim().toLowerCase();
      if (type === 'submit') {
        submitters.push({ name, value: el.getAttribute('value') ?? '' });
        continue;
      }
      if (SKIPPED_INPUT_TYPES.has(type)) continue;
      if ((type === 'checkbox' || type === 'radio') && !el.hasAttribute('checked')) continue;
      const value = el.getAttribute('value') ?? (type === 'checkbox' || type === 'radio' ? 'on' : '');
      fields.push(withId({ name, type, value }, elId));
    }
    const parsed: ParsedForm = { action, method, enctype, fields, documentUrl: docUrl };
    if (id) parsed.id = id;
    if (methodAttribute !== undefined) parsed.methodAttribute = methodAttribute;
    if (submitters.length) parsed.submitters = submitters;
    return parsed;
  });
}

/** Every <a href> of a page, resolved to absolute URLs, with its visible text. */
export function findLinks(html: string, baseUrl: string): { href: string; text: string }[] {
  const root = parse(html, { comment: false });
  const base = documentBase(root, baseUrl);
  const out: { href: string; text: string }[] = [];
  for (const a of root.querySelectorAll('a[href]')) {
    const raw = (a.getAttribute('href') ?? '').trim();
    let href: string;
    try {
      href = new URL(raw, base).href;
    } catch {
      continue;
    }
    out.push({ href, text: a.text.replace(/\s+/g, ' ').trim() });
  }
  return out;
}

/**
 * Which fields a user would type the login id and password into. password: the first
 * type=password input. loginId: an email input, else a text-like input whose name, id or
 * type says email / username / login (FusionAuth's hosted page uses `loginId`).
 */
export function guessLoginFields(form: ParsedForm): { loginId?: string; password?: string } {
  const password = form.fields.find((f) => f.type === 'password')?.name;
  const textLike = form.fields.filter((f) => ['text', 'email', 'tel', ''].includes(f.type));
  const hint = /e-?mail|user(name)?|login|^uid$|account/i;
  const loginId =
    textLike.find((f) => /login.?id/i.test(f.name))?.name ??
    textLike.find((f) => f.type === 'email')?.name ??
    textLike.find((f) => hint.test(f.name) || (f.id !== undefined && hint.test(f.id)))?.name;
  const out: { loginId?: string; password?: string } = {};
  if (loginId) out.loginId = loginId;
  if (password) out.password = password;
  return out;
}

function documentBase(root: HTMLElement, baseUrl: string): string {
  const href = root.querySelector('base[href]')?.getAttribute('href');
  if (href) {
    try {
      return new URL(href, baseUrl).href;
    } catch {
      /* ignore a malformed <base> as browsers do */
    }
  }
  return baseUrl;
}

function stripFragment(url: string): string {
  const u = new URL(url);
  u.hash = '';
  return u.href;
}

function isInside(el: HTMLElement, ancestor: HTMLElement): boolean {
  for (let p = el.parentNode; p; p = p.parentNode) if (p === ancestor) return true;
  return false;
}

function withId(f: FormField, id: string | undefined): FormField {
  if (id) f.id = id;
  return f;
}
