// The search page (search/index.html): queries the index that summitsite.search writes under search/data/.
// Plain ES5 and the DOM, no dependencies and no build step; kept out of the page so that no inline script is
// needed (a strict Content-Security-Policy stays possible).
//
// A query is cut into words exactly as the index was (`tokens`, the twin of summitsite.search.tokens: the
// tests run both on the same text). Every word must match (AND); the last one, while it is being typed,
// also matches the words it begins. On an English site a word also finds the words with the same stem
// ("meetings" finds "meeting"): the index keeps words as written and the stemming happens here.
// Results are ranked with BM25, plus a boost for words in the title and in headings. Every piece of text
// from the index or the query reaches the page as a text node (textContent), never as markup.
(function () {
  "use strict";

  var MAX_WORD = 64;          // summitsite.search.MAX_WORD
  var MIN_PREFIX = 2;         // a shorter last word matches only itself, not every word it begins
  var PAGE_SIZE = 10;
  var DEBOUNCE_MS = 150;
  var EXCERPT_WORDS = 30;
  var MAX_SUBRESULTS = 3;
  var K1 = 1.2, B = 0.75, TITLE_BOOST = 2, HEADING_BOOST = 1;
  var SAME_STEM = 0.8, COMPLETION = 0.6;   // weights of a word that is not the query word itself

  var RUN = /[\p{L}\p{N}\p{M}]+/gu;
  var NOT_WORD = /[^\p{L}\p{N}\p{M}]+/gu;
  var DIACRITICS = /[\u0300-\u036f\u0591-\u05c7\u064b-\u065f\u0670\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/g;
  var WORD_AT_END = /[\p{L}\p{N}\p{M}]$/u;

  // --- words: keep in step with summitsite/search.py ------------------------------------------------------

  function fold(run) {
    var word = run.toLowerCase();
    if (/[^\x00-\x7f]/.test(word)) {
      word = word.normalize("NFKD").replace(DIACRITICS, "").replace(NOT_WORD, "");
      if (word.length > MAX_WORD) {
        word = Array.from(word).slice(0, MAX_WORD).join("");  // by code point, as Python counts
      }
    } else if (word.length > MAX_WORD) {
      word = word.slice(0, MAX_WORD);
    }
    return word;
  }

  // The words of `text` with where each one is: [{word, start, end}], start and end in UTF-16 units.
  function spans(text) {
    var found = [], match, word;
    RUN.lastIndex = 0;
    while ((match = RUN.exec(text)) !== null) {
      word = fold(match[0]);
      if (word) {
        found.push({ word: word, start: match.index, end: match.index + match[0].length });
      }
    }
    return found;
  }

  function tokens(text) {
    return spans(text).map(function (s) { return s.word; });
  }

  // Step 1 of Porter's stemmer (plurals, -ed, -ing, -y), for English only. Its stem without the last letter
  // always begins the word, so the words sharing a stem are found among the words that begin that way.
  function isConsonant(w, i) {
    var c = w.charAt(i);
    if ("aeiou".indexOf(c) >= 0) { return false; }
    if (c === "y") { return i === 0 ? true : !isConsonant(w, i - 1); }
    return true;
  }

  function measure(w) {
    var n = 0, i = 0, len = w.length;
    while (i < len && isConsonant(w, i)) { i++; }
    while (i < len) {
      while (i < len && !isConsonant(w, i)) { i++; }
      if (i >= len) { break; }
      n++;
      while (i < len && isConsonant(w, i)) { i++; }
    }
    return n;
  }

  function hasVowel(w) {
    for (var i = 0; i < w.length; i++) {
      if (!isConsonant(w, i)) { return true; }
    }
    return false;
  }

  function endsCvc(w) {
    var n = w.length;
    return n >= 3 && isConsonant(w, n - 1) && !isConsonant(w, n - 2) && isConsonant(w, n - 3) &&
      "wxy".indexOf(w.charAt(n - 1)) < 0;
  }

  function stem(word) {
    if (word.length < 3 || !/^[a-z]+$/.test(word)) { return word; }
    var w = word;
    if (/sses$/.test(w) || /ies$/.test(w)) { w = w.slice(0, -2); }
    else if (/[^s]s$/.test(w)) { w = w.slice(0, -1); }
    var cut = false;
    if (/eed$/.test(w)) {
      if (measure(w.slice(0, -3)) > 0) { w = w.slice(0, -1); }
    } else if (/ed$/.test(w) && hasVowel(w.slice(0, -2))) {
      w = w.slice(0, -2); cut = true;
    } else if (/ing$/.test(w) && hasVowel(w.slice(0, -3))) {
      w = w.slice(0, -3); cut = true;
    }
    if (cut) {
      if (/(at|bl|iz)$/.test(w)) { w += "e"; }
      else if (w.length >= 2 && w.charAt(w.length - 1) === w.charAt(w.length - 2) &&
               isConsonant(w, w.length - 1) && !/[lsz]$/.test(w)) { w = w.slice(0, -1); }
      else if (measure(w) === 1 && endsCvc(w)) { w += "e"; }
    }
    if (/y$/.test(w) && hasVowel(w.slice(0, -1))) { w = w.slice(0, -1) + "i"; }
    return w;
  }

  if (typeof module !== "undefined" && module.exports) {  // under node, for the tests
    module.exports = { tokens: tokens, spans: spans, stem: stem };
    return;
  }

  // --- the index --------------------------------------------------------------------------------------

  function Index(metaUrl) {
    this.base = new URL(".", new URL(metaUrl, document.baseURI));
    this.files = {};
    // The meta file names this build of the index; every other file is asked for with its name, so a
    // browser cache never mixes two builds.
    this.meta = fetch(new URL(metaUrl, document.baseURI), { cache: "no-cache" }).then(function (r) {
      if (!r.ok) { throw new Error("HTTP " + r.status); }
      return r.json();
    });
  }

  Index.prototype.file = function (path) {
    var self = this;
    if (!this.files[path]) {
      this.files[path] = this.meta.then(function (meta) {
        return fetch(new URL(path + "?v=" + encodeURIComponent(meta.build), self.base));
      }).then(function (r) {
        if (!r.ok) { throw new Error("HTTP " + r.status); }
        return r.json();
      });
      this.files[path].catch(function () { delete self.files[path]; });
    }
    return this.files[path];
  };

  // The shards that may hold words from `low` up to (not including) `high`.
  function shardRange(firsts, low, high) {
    var from = 0, to = firsts.length - 1;
    while (from < to && firsts[from + 1] <= low) { from++; }
    while (to > from && firsts[to] >= high) { to--; }
    return { from: from, to: to };
  }

  // What one query word looks for: itself; the words it begins, if it is being typed; the words with its
  // stem. `prefix` is where all of them begin, so their shards are the ones to fetch.
  function lookup(word, partial, stemming) {
    var q = { word: word, completes: partial && word.length >= MIN_PREFIX, stem: null, prefix: word };
    if (stemming && /^[a-z]{3,}$/.test(word)) {  // stem() leaves anything else as it is
      var s = stem(word);
      if (s.length >= 3) { q.stem = s; q.prefix = s.slice(0, -1); }
    }
    if (!q.completes && !q.stem) { q.prefix = null; }  // the word alone
    return q;
  }

  function weightOf(q, w) {
    if (w === q.word) { return 1; }
    if (q.stem !== null && stem(w) === q.stem) { return SAME_STEM; }
    if (q.completes && w.lastIndexOf(q.word, 0) === 0) { return COMPLETION; }
    return 0;
  }

  // For each query word: {docs: Map doc -> {tf, title, heading}, words: Set of the index words it matched}.
  Index.prototype.match = function (query) {
    var self = this;
    return this.meta.then(function (meta) {
      var firsts = meta.shards;
      return Promise.all(query.map(function (q) {
        var low = q.prefix === null ? q.word : q.prefix;
        var high = q.prefix === null ? q.word + "\u0000" : q.prefix + "\uffff";
        var range = shardRange(firsts, low, high), wanted = [];
        for (var i = range.from; i <= range.to && firsts.length; i++) {
          wanted.push(self.file("terms/" + i + ".json"));
        }
        return Promise.all(wanted).then(function (shards) {
          var docs = new Map(), words = new Set();
          shards.forEach(function (shard) {
            shard.forEach(function (entry) {
              var w = entry[0];
              if (w < low || w >= high) { return; }
              var weight = weightOf(q, w);
              if (!weight) { return; }
              words.add(w);
              var postings = entry[1];
              for (var j = 0; j < postings.length; j += 2) {
                var d = postings[j], packed = postings[j + 1], hit = docs.get(d);
                if (!hit) { hit = { tf: 0, title: false, heading: false }; docs.set(d, hit); }
                hit.tf += weight * Math.floor(packed / 4);
                hit.title = hit.title || (packed & 2) !== 0;
                hit.heading = hit.heading || (packed & 1) !== 0;
              }
            });
          });
          return { docs: docs, words: words };
        });
      })).then(function (matches) { return { meta: meta, matches: matches }; });
    });
  };

  function rank(meta, matches) {
    var lengths = meta.lengths, n = lengths.length, total = 0;
    for (var i = 0; i < n; i++) { total += lengths[i]; }
    var average = total / Math.max(n, 1), results = [];
    matches.sort(function (a, b) { return a.docs.size - b.docs.size; });  // the rarest word first
    matches[0].docs.forEach(function (_, doc) {
      var score = 0;
      for (var k = 0; k < matches.length; k++) {
        var hit = matches[k].docs.get(doc);
        if (!hit) { return; }  // every word must match
        var df = matches[k].docs.size;
        var idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
        var norm = K1 * (1 - B + B * lengths[doc] / average);
        score += idf * (hit.tf * (K1 + 1) / (hit.tf + norm));
        if (hit.title) { score += idf * TITLE_BOOST; }
        if (hit.heading) { score += idf * HEADING_BOOST; }
      }
      results.push({ doc: doc, score: score });
    });
    results.sort(function (a, b) { return b.score - a.score || a.doc - b.doc; });
    return results;
  }

  // --- excerpts -----------------------------------------------------------------------------------------

  // Where the query words are in one piece of text: the spans, which of them match (the query word's index
  // in `which`, or -1), how many different query words they cover, and how often two follow in order.
  function hits(text, which) {
    var found = spans(text), seen = {}, distinct = 0, count = 0, follows = 0;
    for (var i = 0; i < found.length; i++) {
      var k = which.has(found[i].word) ? which.get(found[i].word) : -1;
      found[i].match = k;
      if (k >= 0) {
        count++;
        if (!seen[k]) { seen[k] = true; distinct++; }
        if (i > 0 && found[i - 1].match === k - 1 && k > 0) { follows++; }
      }
    }
    return { spans: found, distinct: distinct, count: count, follows: follows,
             score: distinct * 1000 + follows * 100 + count };
  }

  // Text with the matching words in <mark>, as DOM nodes appended to `into`.
  function appendMarked(into, text, found, from, to) {
    var at = from;
    for (var i = 0; i < found.length; i++) {
      var s = found[i];
      if (s.match < 0 || s.start < from || s.end > to) { continue; }
      into.appendChild(document.createTextNode(squash(text.slice(at, s.start))));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(s.start, s.end);
      into.appendChild(mark);
      at = s.end;
    }
    into.appendChild(document.createTextNode(squash(text.slice(at, to))));
  }

  function squash(text) {
    return text.replace(/\s+/g, " ");
  }

  // A paragraph with about EXCERPT_WORDS words around the best run of matches (the start when none match).
  function excerpt(text, found) {
    var p = document.createElement("p");
    p.className = "search-excerpt";
    var words = found.spans, best = 0, bestScore = -1;
    for (var i = 0; i < words.length; i++) {
      if (words[i].match < 0) { continue; }
      var seen = {}, score = 0;
      for (var j = i; j < Math.min(words.length, i + EXCERPT_WORDS); j++) {
        if (words[j].match >= 0 && !seen[words[j].match]) { seen[words[j].match] = true; score++; }
      }
      if (score > bestScore) { bestScore = score; best = i; }
    }
    var first = Math.max(0, best - Math.floor(EXCERPT_WORDS / 4));
    var last = Math.min(words.length, first + EXCERPT_WORDS) - 1;
    if (last < first) {
      p.textContent = squash(text).trim();
      return p;
    }
    var from = first === 0 ? 0 : words[first].start;
    var to = last === words.length - 1 ? text.length : words[last].end;
    if (first > 0) { p.appendChild(document.createTextNode("… ")); }
    appendMarked(p, text, words, from, to);
    if (to < text.length) { p.appendChild(document.createTextNode(" …")); }
    if (first === 0 && p.firstChild) { p.firstChild.textContent = p.firstChild.textContent.replace(/^\s+/, ""); }
    return p;
  }

  function link(href, text, found) {
    var a = document.createElement("a");
    a.setAttribute("href", href);
    if (found) { appendMarked(a, text, found.spans, 0, text.length); } else { a.textContent = text; }
    return a;
  }

  // One result: the title linking to the page, an excerpt of its opening (the lede, an entity's description;
  // around the matches if it has any), and links to the sections that match best, in the order of the page.
  function result(doc, which) {
    var li = document.createElement("li");
    li.className = "search-result";
    var h = document.createElement("h2");
    h.className = "search-result-title";
    h.appendChild(link(doc.url, doc.title));
    li.appendChild(h);
    var sections = doc.sections.map(function (section, i) {
      var body = hits(section[2], which), head = hits(section[1], which);
      return { i: i, anchor: section[0], heading: section[1], text: section[2], body: body, head: head,
               score: body.score + head.score };
    });
    var opening = sections.filter(function (s) { return s.text; })[0];
    if (opening) { li.appendChild(excerpt(opening.text, opening.body)); }
    var subs = sections.filter(function (s) { return s.anchor && s.score > 0; })
      .sort(function (a, b) { return b.score - a.score || a.i - b.i; })
      .slice(0, MAX_SUBRESULTS)
      .sort(function (a, b) { return a.i - b.i; });
    if (subs.length) {
      var ul = document.createElement("ul");
      ul.className = "search-subresults";
      subs.forEach(function (s) {
        var item = document.createElement("li");
        item.appendChild(link(doc.url + "#" + s.anchor, s.heading, s.head));
        if (s.body.count) { item.appendChild(excerpt(s.text, s.body)); }
        ul.appendChild(item);
      });
      li.appendChild(ul);
    }
    return li;
  }

  // --- the page -----------------------------------------------------------------------------------------

  function parse(text) {
    var found = tokens(text), seen = new Set(), query = [];
    var typing = WORD_AT_END.test(text);  // the last word is still being typed
    found.forEach(function (word, i) {
      var partial = typing && i === found.length - 1;
      var key = word + (partial ? "*" : "");
      if (!seen.has(key)) { seen.add(key); query.push({ word: word, partial: partial }); }
    });
    return query;
  }

  function plural(n, one, many) {
    return n + " " + (n === 1 ? one : many);
  }

  function start() {
    var root = document.getElementById("search");
    if (!root) { return; }
    var form = root.querySelector("form");
    var input = root.querySelector("input[type=search]");
    var status = root.querySelector(".search-status");
    var list = root.querySelector(".search-results");
    var more = root.querySelector(".search-more");
    var index = new Index(root.getAttribute("data-index"));
    var current = 0, timer = null, last = null, stemming = false;

    index.meta.then(function (meta) { stemming = meta.stem === true; }, function () {
      status.textContent = "The search index could not be loaded. Search needs the site to be served by a " +
        "web server (it does not work from a file:// address).";
    });

    function clear() {
      while (list.firstChild) { list.removeChild(list.firstChild); }
      more.hidden = true;
    }

    // The next PAGE_SIZE results of `found` (a ranking and the words it matched), once their documents are
    // here; the first page replaces the last query's results and says how many there are, in one step.
    function showMore(found, text) {
      var run = current, from = found.shown, page = found.ranked.slice(from, from + PAGE_SIZE);
      if (found.loading) { return Promise.resolve(); }  // "More results" pressed again meanwhile
      found.loading = true;
      return Promise.all(page.map(function (r) { return index.file("docs/" + r.doc + ".json"); }))
        .then(function (docs) {
          found.loading = false;
          if (run !== current) { return; }
          if (from === 0) {
            clear();
            status.textContent = found.ranked.length ?
              plural(found.ranked.length, "result", "results") + " for “" + text + "”" :
              "No results for “" + text + "”";
          }
          var firstNew = null;
          docs.forEach(function (doc) {
            var li = result(doc, found.which);
            list.appendChild(li);
            firstNew = firstNew || li;
          });
          found.shown = from + page.length;
          more.hidden = found.shown >= found.ranked.length;
          if (from > 0 && firstNew) { firstNew.querySelector("a").focus(); }
        });
    }

    function search(text) {
      var run = ++current, query;
      query = parse(text);
      var url = new URL(window.location.href);
      if (text.trim()) { url.searchParams.set("q", text); } else { url.searchParams.delete("q"); }
      window.history.replaceState(null, "", url);
      if (!query.length) {
        clear();
        last = null;
        status.textContent = "";
        return Promise.resolve();
      }
      return index.meta.then(function (meta) {
        stemming = meta.stem === true;
        var lookups = query.map(function (q) { return lookup(q.word, q.partial, stemming); });
        return index.match(lookups);
      }).then(function (found) {
        if (run !== current) { return; }
        var which = new Map();  // index word -> the query word it matched first
        found.matches.forEach(function (m, k) {
          m.words.forEach(function (w) { if (!which.has(w)) { which.set(w, k); } });
        });
        last = { ranked: rank(found.meta, found.matches.slice()), which: which, shown: 0 };
        return showMore(last, text.trim());
      }).catch(function (error) {
        if (run !== current) { return; }
        clear();
        status.textContent = "Search failed: " + error.message;
      });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { search(input.value); }, DEBOUNCE_MS);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      window.clearTimeout(timer);
      search(input.value);
    });
    more.addEventListener("click", function () {
      if (last) {
        showMore(last, "").catch(function (error) { status.textContent = "Search failed: " + error.message; });
      }
    });

    var asked = new URLSearchParams(window.location.search).get("q");
    if (asked) {
      input.value = asked;
      search(asked);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
