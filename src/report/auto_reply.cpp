// RFC 3834 automatic responses: vacation and out-of-office replies. Header evidence first (Auto-Submitted,
// X-Autoreply, X-Autorespond, Precedence), then the subject lines autoresponders use in many languages.
#include "report/evidence.hpp"
#include "rules/literal_scanner.hpp"
#include "util/text.hpp"

namespace bouncekit::detail {

namespace {

// Subject fragments of out-of-office replies (matched case-insensitively for ASCII, exactly otherwise). They
// name the reply itself, so the subject alone is enough.
constexpr std::string_view reply_cues[] = {
    // English
    "out of office", "out of the office", "automatic reply", "auto reply", "autoreply", "auto-reply",
    "auto response", "autoresponse", "auto-response", "automatic response", "away from the office", "absence notice",
    // German
    "abwesenheit", "automatische antwort", "automatische rückantwort", "nicht im büro",
    // French
    "réponse automatique", "reponse automatique", "absent du bureau", "absence du bureau",
    // Spanish
    "respuesta automática", "respuesta automatica", "fuera de la oficina", "fuera de oficina",
    // Portuguese
    "resposta automática", "resposta automatica", "fora do escritório",
    // Italian
    "risposta automatica", "fuori sede", "fuori ufficio",
    // Dutch
    "automatisch antwoord", "buiten kantoor",
    // Japanese, Chinese, Korean, Russian, Polish, Swedish
    "自動応答", "自動返信", "不在通知", "不在のお知らせ", "自动回复", "自動回覆", "자동 응답", "автоматический ответ", "автоответ",
    "odpowiedź automatyczna", "automatiskt svar",
};

// Words autoresponders use too, but so does ordinary mail ("Your vacation rental is confirmed",
// "Urlaubsplanung 2025"): they count only with an autoresponder's headers beside them.
constexpr std::string_view topic_cues[] = {
    "vacation", "away from my desk", "on leave", "on holiday", "annual leave", "urlaub", "en congé", "en conge",
    "ausente", "ausência", "ausencia", "férias", "assente", "in ferie", "afwezig", "niet aanwezig", "vakantie",
    "不在", "休暇", "休假", "부재", "отпуск", "frånvaro",
};

// The reply cues, then the topic cues: one walk over the subject tells whether it has either (the lowest id
// found is a reply cue's when there is one).
const literal_scanner& subject_scanner() {
  static const literal_scanner scanner = [] {
    std::vector<std::string> cues(std::begin(reply_cues), std::end(reply_cues));
    cues.insert(cues.end(), std::begin(topic_cues), std::end(topic_cues));
    return literal_scanner(cues);
  }();
  return scanner;
}

}  // namespace

bool read_auto_reply(const message_view& view, report& out) {
  const mime_part& top = view.top();
  const std::string auto_submitted = ascii_lower(top.header("Auto-Submitted"));
  // Headers only autoresponders write; Auto-Submitted: auto-replied alone is weaker, since some MTAs put it
  // on their bounces too.
  const auto present = [&](std::string_view name) { return !field_value(top.headers, name).empty(); };
  const bool autoresponder_header = present("X-Autoreply") || present("X-Autorespond") ||
                                    present("X-Autoresponder") ||
                                    icontains(field_value(top.headers, "Precedence"), "auto_reply") ||
                                    present("X-Vacation");
  const bool auto_replied = auto_submitted.rfind("auto-replied", 0) == 0;
  const bool automatic = (!auto_submitted.empty() && auto_submitted != "no") || present("X-Auto-Response-Suppress") ||
                         trim(field_value(top.headers, "Return-Path")) == "<>";
  const std::size_t cue = subject_scanner().lowest(view.subject);  // folds ASCII case itself
  const bool subject_says = cue < std::size(reply_cues) || (automatic && cue != std::string_view::npos);
  if (!autoresponder_header && !subject_says && !(auto_replied && !looks_like_bounce(view))) return false;
  const std::string& replier = view.from_address;  // the auto-replier is the mailbox we wrote to
  if (replier.empty()) return false;
  out.type = message_type::auto_reply;
  out.format = "rfc3834";
  recipient_evidence r;
  r.address = replier;
  r.action = "delivered";
  out.recipients.push_back(std::move(r));
  return true;
}

}  // namespace bouncekit::detail
