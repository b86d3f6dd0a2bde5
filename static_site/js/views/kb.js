// #/kb — "Base de conocimiento": search (ranked by the API) and categories; #/kb/:id — an article (HTML the API
// rendered from markdown and sanitised) with "was this helpful?".

import {api, withQuery} from "../api.js";
import {announce, h, replace, skeleton} from "../dom.js";
import {formatDate} from "../format.js";
import {t} from "../i18n.js";
import {updateHash} from "../router.js";
import {hasModule} from "../session.js";
import {loadError, loadMore, tCount} from "./billing.js";

const SEARCH_DELAY_MS = 300;
const PAGE_SIZE = 20;

function articleItem(article) {
  return h("li", {class: "kb-item", dataset: {articleId: article.id}},
    h("a", {href: `#/kb/${encodeURIComponent(article.id)}`, class: "kb-link"}, article.title),
    h("p", {class: "muted"}, article.snippet));
}

export function renderKb(page, {params}) {
  const search = h("input", {id: "kb-search", type: "search", value: params.get("q") || "", autocomplete: "off",
    placeholder: t("kb.search_placeholder")});
  const category = h("select", {id: "kb-category"}, h("option", {value: ""}, t("kb.all_categories")));
  const form = h("form", {id: "kb-form", class: "card filters", role: "search", novalidate: true},
    h("div", {class: "filter-row filter-row-search"},
      h("div", {class: "field"}, h("label", {for: "kb-search"}, t("kb.search")), search),
      h("div", {class: "field"}, h("label", {for: "kb-category"}, t("kb.category")), category)));
  const results = h("section", {id: "kb-results", class: "card", "aria-live": "polite"}, skeleton(6));
  page.append(h("header", {class: "page-header"}, h("h1", {tabindex: "-1"}, t("kb.title")),
    h("p", {class: "lead"}, t("kb.lead"))), form, results);
  let ticket = 0;
  let timer = null;
  const load = async () => {
    const mine = ++ticket;
    const chosen = {q: search.value, category: category.value};
    try {
      const data = await api.get(withQuery("/portal/kb", {...chosen, limit: PAGE_SIZE}));
      if (mine !== ticket) return;
      if (category.options.length === 1) {
        for (const c of data.categories) category.append(h("option", {value: c, selected: c === params.get("category")}, c));
      }
      const items = data.items || [];
      const list = h("ul", {id: "kb-list", class: "kb-list"}, items.map(articleItem));
      replace(results, ...(items.length
        ? [list, ...loadMore({id: "kb-more", keyPrefix: "kb", cursor: data.next_cursor, tbody: list, renderRow: articleItem,
          stillCurrent: () => mine === ticket,
          fetchPage: (cursor) => api.get(withQuery("/portal/kb", {...chosen, limit: PAGE_SIZE, cursor}))})]
        : [h("div", {class: "empty-state", id: "kb-empty"}, h("p", {}, t("kb.empty")),
          hasModule("cases") ? h("p", {}, h("a", {href: "#/cases/new"}, t("kb.open_case"))) : null)]));
      announce(tCount("kb.found", items.length));
    } catch (error) {
      replace(results, loadError(error, load));
    }
  };
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      updateHash(withQuery("#/kb", {q: search.value.trim(), category: category.value}));
      load();
    }, SEARCH_DELAY_MS);
  });
  category.addEventListener("change", load);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  load();
}

export function renderKbArticle(page, {routeParams}) {
  const body = h("div", {id: "kb-article", "aria-busy": "true"}, h("div", {class: "card"}, skeleton(6)));
  page.append(body);
  loadArticle(body, routeParams.id);
}

async function loadArticle(body, id) {
  let article;
  try {
    article = await api.get(`/portal/kb/${encodeURIComponent(id)}`);
  } catch (error) {
    replace(body, h("h1", {tabindex: "-1"}, t("kb.title")),
      error.status === 404 ? h("p", {class: "form-error", role: "alert"}, error.message) : loadError(error, () => loadArticle(body, id)));
    body.removeAttribute("aria-busy");
    return;
  }
  body.removeAttribute("aria-busy");
  const content = h("div", {class: "card article-body", id: "kb-article-body"});
  // The API renders the markdown and escapes everything but the markup it writes itself (domain/markdown.py).
  content.innerHTML = article.html;
  const status = h("p", {id: "kb-vote-status", role: "status", "aria-live": "polite"});
  const vote = (helpful) => async () => {
    try {
      const updated = await api.post(`/portal/kb/${encodeURIComponent(id)}/vote`, {helpful});
      status.textContent = t("kb.thanks", {helpful: updated.votes.helpful});
    } catch (error) {
      status.textContent = error.message;
    }
  };
  replace(body,
    h("header", {class: "page-header"}, h("p", {class: "breadcrumb"}, h("a", {href: "#/kb"}, t("kb.back"))),
      h("h1", {tabindex: "-1"}, article.title),
      h("p", {class: "muted"}, article.category, " · ", t("kb.updated", {date: formatDate(article.updated_at.slice(0, 10))}))),
    content,
    h("section", {class: "card", id: "kb-vote", "aria-labelledby": "kb-vote-title"},
      h("h2", {id: "kb-vote-title", class: "card-title"}, t("kb.helpful_question")),
      h("div", {class: "actions"},
        h("button", {type: "button", class: "button", id: "kb-vote-yes", on: {click: vote(true)}}, t("kb.yes")),
        h("button", {type: "button", class: "button button-secondary", id: "kb-vote-no", on: {click: vote(false)}}, t("kb.no"))),
      status,
      hasModule("cases") ? h("p", {}, h("a", {href: "#/cases/new"}, t("kb.open_case"))) : null));
  body.querySelector("h1")?.focus();
}
