// A small Python syntax highlighter for the runs viewer: no library, no CDN, and no innerHTML.
// The code is cut into tokens by one regular expression; each token becomes a text node, inside a
// <span class="tok-KIND"> when it has a kind, so hostile code is only ever shown as text.

const KEYWORDS = new Set(("False None True and as assert async await break class continue def del elif else " +
  "except finally for from global if import in is lambda match case nonlocal not or pass raise return try " +
  "while with yield").split(" "));
const BUILTINS = new Set(("abs all any bool dict enumerate filter float frozenset int isinstance len list map " +
  "max min print range reversed round set sorted str sum tuple type zip print super object Exception " +
  "ValueError TypeError IndexError KeyError np numpy").split(" "));

const TOKEN = new RegExp([
  "(#[^\\n]*)",                                                          // 1 comment
  "((?:[rRbBuUfF]{0,2})(?:\"\"\"[\\s\\S]*?(?:\"\"\"|$)|'''[\\s\\S]*?(?:'''|$)|\"(?:\\\\.|[^\"\\\\\\n])*\"?|'(?:\\\\.|[^'\\\\\\n])*'?))", // 2 string
  "(\\b(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|\\d[\\d_]*(?:\\.\\d*)?(?:[eE][+-]?\\d+)?j?|\\.\\d+)\\b)", // 3 number
  "(@[A-Za-z_][\\w.]*)",                                                 // 4 decorator
  "([A-Za-z_]\\w*)",                                                     // 5 name
  "([-+*/%=<>!&|^~:]+|[()\\[\\]{},.;])",                                 // 6 operator / punctuation
].join("|"), "g");

// Tokens of `code`: a list of [kind, text] where kind is "" for plain text (spaces, newlines).
export function tokenize(code) {
  const out = [];
  let last = 0;
  let previous = "";
  TOKEN.lastIndex = 0;
  for (let match = TOKEN.exec(code); match; match = TOKEN.exec(code)) {
    if (match[0] === "") { TOKEN.lastIndex++; continue; }
    if (match.index > last) out.push(["", code.slice(last, match.index)]);
    let kind = "";
    if (match[1]) kind = "comment";
    else if (match[2]) kind = "string";
    else if (match[3]) kind = "number";
    else if (match[4]) kind = "decorator";
    else if (match[5]) {
      const word = match[5];
      if (KEYWORDS.has(word)) kind = "keyword";
      else if (previous === "def" || previous === "class") kind = "defname";
      else if (BUILTINS.has(word)) kind = "builtin";
      else if (word === "self") kind = "self";
      previous = word;
    } else if (match[6]) kind = "op";
    out.push([kind, match[0]]);
    last = TOKEN.lastIndex;
  }
  if (last < code.length) out.push(["", code.slice(last)]);
  return out;
}

// A <pre class="code python"> holding the highlighted tokens.
export function highlighted(code) {
  const pre = document.createElement("pre");
  pre.className = "code python";
  pre.tabIndex = 0; // it scrolls: reachable by keyboard
  const body = document.createElement("code");
  for (const [kind, text] of tokenize(code || "")) {
    if (!kind) { body.appendChild(document.createTextNode(text)); continue; }
    const span = document.createElement("span");
    span.className = `tok-${kind}`;
    span.textContent = text;
    body.appendChild(span);
  }
  pre.appendChild(body);
  return pre;
}
