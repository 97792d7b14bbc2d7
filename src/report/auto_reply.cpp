// RFC 3834 automatic responses: vacation and out-of-office replies. Header evidence first (Auto-Submitted,
// X-Autoreply, X-Autorespond, Precedence), then the subject lines autoresponders use in many languages.
#include "report/evidence.hpp"
#include "util/text.hpp"

namespace bouncekit::detail {

namespace {

// Subject fragments of out-of-office replies (matched case-insensitively for ASCII, exactly otherwise).
constexpr std::string_view subject_cues[] = {
    // English
    "out of office", "out of the office", "automatic reply", "auto reply", "autoreply", "auto-reply",
    "auto response", "autoresponse", "auto-response", "automatic response", "vacation", "away from the office",
    "away from my desk", "on leave", "on holiday", "annual leave", "absence notice",
    // German
    "abwesenheit", "automatische antwort", "automatische rückantwort", "nicht im büro", "urlaub",
    // French
    "réponse automatique", "reponse automatique", "absent du bureau", "absence du bureau", "en congé", "en conge",
    // Spanish
    "respuesta automática", "respuesta automatica", "fuera de la oficina", "fuera de oficina", "ausente",
    // Portuguese
    "resposta automática", "resposta automatica", "ausência", "ausencia", "fora do escritório", "férias",
    // Italian
    "risposta automatica", "fuori sede", "fuori ufficio", "assente", "in ferie",
    // Dutch
    "automatisch antwoord", "afwezig", "niet aanwezig", "buiten kantoor", "vakantie",
    // Japanese, Chinese, Korean, Russian, Polish, Swedish
    "自動応答", "自動返信", "不在", "休暇", "自动回复", "自動回覆", "休假", "자동 응답", "부재",
    "автоматический ответ", "автоответ", "отпуск", "odpowiedź automatyczna", "automatiskt svar", "frånvaro",
};

bool subject_says_auto_reply(std::string_view subject) {
  for (std::string_view cue : subject_cues)
    if (icontains(subject, cue)) return true;
  return false;
}

}  // namespace

bool read_auto_reply(const message_view& view, report& out) {
  const mime_part& top = view.top();
  const std::string auto_submitted = ascii_lower(top.header("Auto-Submitted"));
  // Headers only autoresponders write; Auto-Submitted: auto-replied alone is weaker, since some MTAs put it
  // on their bounces too.
  const bool autoresponder_header =
      !top.header("X-Autoreply").empty() || !top.header("X-Autorespond").empty() ||
      !top.header("X-Autoresponder").empty() || icontains(top.header("Precedence"), "auto_reply") ||
      !top.header("X-Vacation").empty();
  const bool auto_replied = auto_submitted.rfind("auto-replied", 0) == 0;
  const bool subject_says = subject_says_auto_reply(view.subject);
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
