// openapi_validate.mjs FILE - validate an OpenAPI document against the
// official JSON Schema of its version (@seriousme/openapi-schema-validator,
// which bundles those schemas: nothing is fetched). Exit 0 when valid;
// prints the errors and exits 1 otherwise. Run by tests/e2e/test_openapi.py.
import fs from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';

const file = process.argv[2];
const validator = new Validator();
const res = await validator.validate(JSON.parse(fs.readFileSync(file, 'utf8')));
if (!res.valid) {
  console.log(JSON.stringify(res.errors, null, 1));
  console.log(`${file}: INVALID (OpenAPI ${validator.version})`);
  process.exit(1);
}
console.log(`${file}: valid OpenAPI ${validator.version}`);
