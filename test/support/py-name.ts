/**
 * Pulumi's Python codegen name for a schema property (`storageGiB` → `storage_gi_b`), so tests can
 * check Python examples against a schema. A port of `PyName` (non-legacy), a four-state machine.
 *
 * @see https://github.com/pulumi/pulumi/blob/master/pkg/codegen/python/utilities.go
 */
const KEYWORDS = new Set(["False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif", "else", "except", "exec", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "print", "raise", "return", "try", "while", "with", "yield"]);

export function pyName(name: string): string {
  const isUpper = (c: string) => c !== c.toLowerCase() && c === c.toUpperCase();
  const isDigit = (c: string) => c >= "0" && c <= "9";
  const parts: string[] = [];
  let current = "";
  let state: "first" | "upper" | "acronym" | "lower" = "first";
  for (let char of name) {
    if (!/[A-Za-z0-9_]/.test(char)) char = "_";
    if (state === "first") {
      if (!/[A-Za-z_]/.test(char)) current += "_";
      state = isUpper(char) ? "upper" : "lower";
      current += char.toLowerCase();
    } else if (state === "upper") {
      state = isUpper(char) ? "acronym" : "lower";
      current += char.toLowerCase();
    } else if (state === "acronym") {
      if (isUpper(char)) current += char.toLowerCase();
      else if (isDigit(char) || char === "s") {
        state = "lower";
        current += char;
      } else {
        parts.push(current.slice(0, -1));
        current = current.slice(-1) + char;
        state = "lower";
      }
    } else if (isUpper(char)) {
      parts.push(current);
      current = char.toLowerCase();
      state = "upper";
    } else current += char;
  }
  if (current) parts.push(current);
  const result = parts.filter((p) => p !== "").join("_");
  return KEYWORDS.has(result) ? `${result}_` : result;
}
