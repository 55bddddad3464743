// Tests run as CommonJS through swc, without type-checking; `npm run typecheck` does that once.
export default {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  setupFiles: ["<rootDir>/test/support/environment.ts"],
  transform: {
    "^.+\\.(ts|js)$": [
      "@swc/jest",
      {
        jsc: { parser: { syntax: "typescript" }, target: "es2023" },
        module: { type: "commonjs" },
      },
    ],
  },
  transformIgnorePatterns: ["/node_modules/(?!(uuid|jose)/)"],
  testTimeout: 30000,
};
