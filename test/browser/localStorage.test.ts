import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Actor, LocalStorage } from '../../harness/browser';

test('localStorage is per origin and stores strings', () => {
  const ls = new LocalStorage();
  ls.setItem('http://store.example.test/app', 'access_token', 'jwt1');
  ls.setItem('http://store.example.test', 'n', 42);
  assert.equal(ls.getItem('http://store.example.test/other/page', 'access_token'), 'jwt1');
  assert.equal(ls.getItem('http://store.example.test', 'n'), '42');
  assert.equal(ls.getItem('http://forums.example.test', 'access_token'), null);
  assert.equal(ls.getItem('https://store.example.test', 'access_token'), null, 'scheme is part of the origin');
  assert.equal(ls.getItem('http://store.example.test:8080', 'access_token'), null, 'port is part of the origin');
  assert.deepEqual(ls.keys('http://store.example.test'), ['access_token', 'n']);
  ls.removeItem('http://store.example.test', 'n');
  assert.deepEqual(ls.keys('http://store.example.test'), ['access_token']);
  ls.setItem('http://forums.example.test', 'k', 'v');
  ls.clear('http://store.example.test');
  assert.deepEqual(ls.keys('http://store.example.test'), []);
  assert.deepEqual(ls.origins(), ['http://forums.example.test']);
  const view = ls.forOrigin('http://forums.example.test/x');
  assert.equal(view.getItem('k'), 'v');
  assert.equal(view.length, 1);
  ls.clear();
  assert.equal(view.length, 0);
  assert.throws(() => ls.getItem('not a url', 'k'), /origin or absolute URL/);
});

test('each actor has its own localStorage', () => {
  const a = new Actor({ name: 'Browser', hosts: {} });
  const h = new Actor({ name: 'Hacker', hosts: {} });
  a.localStorage.setItem('http://store.example.test', 't', 'secret');
  assert.equal(h.localStorage.getItem('http://store.example.test', 't'), null);
});
