// Loaded before every test file (jest.preset.js).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

// Deterministic time zone for timestamps and cursors.
process.env.TZ = 'UTC';

// A clone of the repository has nothing beside it (#10): a test that reads a sibling of the
// checkout (the shared corpus folder, another project) passes here and fails on a fresh clone. Every read that
// resolves beside the checkout fails loudly instead. Temp dirs are exempt, as the tests' own temp
// files live there; when the checkout itself sits in the temp dir, those files are its siblings,
// so there only `shared/` (the corpus folder tests once read from beside the checkout) is refused.
const root = (() => {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'nx.json'))) dir = path.dirname(dir);
  return dir;
})();
const beside = path.dirname(root) + path.sep;
const tmp = fs.realpathSync(os.tmpdir()) + path.sep;
const inTmp = (abs) => abs.startsWith(tmp) || abs.startsWith(os.tmpdir() + path.sep);
function guard(target) {
  if (typeof target !== 'string' && !(target instanceof URL)) return;
  const abs = path.resolve(target instanceof URL ? target.pathname : target) + path.sep;
  if (abs.startsWith(beside) && !abs.startsWith(root + path.sep) && (!inTmp(abs) || abs.startsWith(beside + 'shared' + path.sep))) {
    throw new Error(`a test read ${abs.slice(0, -1)}, outside the repository: copy what it needs into fixtures/ (a clone has nothing beside it)`);
  }
}
if (!fs.__tapesGuarded) {
  fs.__tapesGuarded = true;
  for (const name of ['readFileSync', 'readdirSync', 'existsSync', 'statSync', 'openSync', 'readFile', 'readdir', 'open', 'createReadStream']) {
    const original = fs[name];
    fs[name] = function guarded(target, ...rest) {
      guard(target);
      return original.call(this, target, ...rest);
    };
  }
  for (const name of ['readFile', 'readdir', 'open', 'stat']) {
    const original = fs.promises[name];
    fs.promises[name] = function guarded(target, ...rest) {
      try {
        guard(target);
      } catch (err) {
        return Promise.reject(err);
      }
      return original.call(this, target, ...rest);
    };
  }
}
