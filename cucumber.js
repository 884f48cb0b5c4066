// Cucumber profiles for `loginflow run --profile NAME` (and plain cucumber-js): the kit
// supplies paths, support code and world parameters; a profile adds the rest.
module.exports = {
  default: {},
  // Only the attack-vector scenarios (INFO verdicts).
  attacks: { tags: '@attack' },
  // What a CI system wants besides the kit's own reports: cucumber's JUnit and messages.
  ci: { format: ['junit:reports/cucumber-junit.xml', 'message:reports/cucumber-messages.ndjson'] },
};
