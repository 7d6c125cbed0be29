/**
 * Meta's error codes → a stable reason key (the web app translates it) and an English sentence an
 * agent can act on. Meta's own titles are written for developers ("Re-engagement message"); agents
 * need to know what happened to their message and what to do next.
 * Codes: developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes
 */

export interface ErrorExplanation {
  /** Stable snake_case key for translations, e.g. "window_closed". */
  reason: string;
  /** English sentence for the agent. */
  sentence: string;
  /** A later attempt can succeed without anybody changing anything. */
  retryable: boolean;
}

const TEMPORARY = "WhatsApp had a temporary problem. Chorus will try again.";
const RATE_LIMITED = "WhatsApp asked us to slow down. Chorus will send this message again shortly.";

const TABLE: Record<number, ErrorExplanation> = {
  1: { reason: "whatsapp_unavailable", sentence: TEMPORARY, retryable: true },
  2: { reason: "whatsapp_unavailable", sentence: TEMPORARY, retryable: true },
  4: { reason: "rate_limited", sentence: RATE_LIMITED, retryable: true },
  80007: { reason: "rate_limited", sentence: RATE_LIMITED, retryable: true },
  130429: { reason: "rate_limited", sentence: RATE_LIMITED, retryable: true },
  131000: { reason: "whatsapp_unavailable", sentence: TEMPORARY, retryable: true },
  131016: { reason: "whatsapp_unavailable", sentence: TEMPORARY, retryable: true },
  133004: { reason: "whatsapp_unavailable", sentence: TEMPORARY, retryable: true },
  131056: {
    reason: "too_many_to_customer",
    sentence: "Too many messages went to this customer in a short time. Chorus will send this one again shortly.",
    retryable: true,
  },
  0: {
    reason: "access_token_invalid",
    sentence: "WhatsApp refused our access token. An owner needs to check the WhatsApp connection settings.",
    retryable: false,
  },
  190: {
    reason: "access_token_invalid",
    sentence: "The WhatsApp access token has expired or was revoked. An owner needs to update it.",
    retryable: false,
  },
  3: {
    reason: "permission_denied",
    sentence: "This WhatsApp account is not allowed to do this. An owner needs to check the Meta app's permissions.",
    retryable: false,
  },
  10: {
    reason: "permission_denied",
    sentence: "This WhatsApp account is not allowed to do this. An owner needs to check the Meta app's permissions.",
    retryable: false,
  },
  200: {
    reason: "permission_denied",
    sentence: "This WhatsApp account is not allowed to do this. An owner needs to check the Meta app's permissions.",
    retryable: false,
  },
  100: {
    reason: "invalid_request",
    sentence: "WhatsApp rejected the message as invalid. Check its content and try again.",
    retryable: false,
  },
  131008: {
    reason: "invalid_request",
    sentence: "WhatsApp rejected the message because something required was missing.",
    retryable: false,
  },
  131009: {
    reason: "invalid_request",
    sentence: "WhatsApp rejected a value in the message. Check its content and try again.",
    retryable: false,
  },
  368: {
    reason: "account_restricted",
    sentence: "Meta has temporarily blocked this number from sending because of a policy violation.",
    retryable: false,
  },
  131031: {
    reason: "account_restricted",
    sentence: "Meta has locked this WhatsApp Business account. An owner needs to contact Meta.",
    retryable: false,
  },
  130497: {
    reason: "account_restricted",
    sentence: "This business is not allowed to message customers in this country.",
    retryable: false,
  },
  131005: {
    reason: "permission_denied",
    sentence: "WhatsApp denied access. An owner needs to check the Meta app's permissions.",
    retryable: false,
  },
  131021: {
    reason: "invalid_recipient",
    sentence: "The customer's number is the business's own number; WhatsApp cannot send to itself.",
    retryable: false,
  },
  131026: {
    reason: "undeliverable",
    sentence:
      "WhatsApp could not deliver this message. The customer may not use WhatsApp, may have blocked this number, or may need to update their app.",
    retryable: false,
  },
  131042: {
    reason: "payment_required",
    sentence: "WhatsApp refused to send because of a billing problem with the business account. An owner needs to fix the payment method.",
    retryable: false,
  },
  131045: {
    reason: "number_not_registered",
    sentence: "This business number is not fully registered with WhatsApp yet.",
    retryable: false,
  },
  131047: {
    reason: "window_closed",
    sentence:
      "More than 24 hours have passed since the customer last wrote. Send an approved template to reopen the conversation.",
    retryable: false,
  },
  131048: {
    reason: "spam_limited",
    sentence:
      "WhatsApp is limiting messages from this number because customers blocked or reported it. Wait before sending more.",
    retryable: false,
  },
  131049: {
    reason: "ecosystem_limited",
    sentence:
      "WhatsApp did not deliver this message to keep the customer from receiving too many business messages. Try again later.",
    retryable: false,
  },
  131050: {
    reason: "customer_opted_out",
    sentence: "The customer has chosen not to receive marketing messages from this business.",
    retryable: false,
  },
  131051: {
    reason: "unsupported_message",
    sentence: "WhatsApp does not support this kind of message.",
    retryable: false,
  },
  131052: {
    reason: "media_download_failed",
    sentence: "WhatsApp could not download the customer's media file.",
    retryable: false,
  },
  131053: {
    reason: "media_upload_failed",
    sentence: "WhatsApp could not accept the media file. Check its type and size.",
    retryable: false,
  },
  131057: {
    reason: "account_maintenance",
    sentence: "The WhatsApp Business account is in maintenance. Try again later.",
    retryable: false,
  },
  131062: {
    reason: "username_recipient_unsupported",
    sentence: "This kind of message cannot be sent to a customer known only by their WhatsApp username.",
    retryable: false,
  },
  132000: {
    reason: "template_parameters_mismatch",
    sentence: "The template needs a different number of values than were given.",
    retryable: false,
  },
  132001: {
    reason: "template_missing",
    sentence: "WhatsApp does not know this template in this language. It may have been deleted or not approved yet.",
    retryable: false,
  },
  132005: {
    reason: "template_too_long",
    sentence: "The template is too long once its values are filled in.",
    retryable: false,
  },
  132007: {
    reason: "template_policy",
    sentence: "The template's values break WhatsApp's formatting rules.",
    retryable: false,
  },
  132012: {
    reason: "template_parameters_mismatch",
    sentence: "A template value has the wrong format.",
    retryable: false,
  },
  132015: {
    reason: "template_paused",
    sentence: "Meta has paused this template because of low quality. Use another template.",
    retryable: false,
  },
  132016: {
    reason: "template_disabled",
    sentence: "Meta has disabled this template. Use another template.",
    retryable: false,
  },
  133010: {
    reason: "number_not_registered",
    sentence: "This business number is not registered with WhatsApp Cloud API.",
    retryable: false,
  },
  // ---- issue 5: the rest of Meta's table --------------------------------------------------------
  33: {
    reason: "business_number_invalid",
    sentence: "WhatsApp does not know this business number any more (it may have been deleted). An owner needs to check the number's settings.",
    retryable: false,
  },
  130472: {
    reason: "experiment_number",
    sentence: "WhatsApp did not deliver this message: the customer's number is part of a Meta experiment that limits business messages.",
    retryable: false,
  },
  131037: {
    reason: "display_name_required",
    sentence: "This business number cannot send until Meta approves its display name. An owner needs to check it in WhatsApp Manager.",
    retryable: false,
  },
  131060: {
    reason: "message_unavailable",
    sentence: "WhatsApp could not show this message here. The customer can see it on their phone.",
    retryable: false,
  },
  132068: {
    reason: "flow_blocked",
    sentence: "WhatsApp blocked this Flow. Use another Flow or ask an owner to check it in WhatsApp Manager.",
    retryable: false,
  },
  132069: {
    reason: "flow_throttled",
    sentence: "This Flow has been sent too often and WhatsApp is limiting it. Try again later.",
    retryable: false,
  },
  133000: {
    reason: "number_registration_problem",
    sentence: "The business number's earlier removal from WhatsApp was not completed. An owner needs to register the number again.",
    retryable: false,
  },
  133005: {
    reason: "number_registration_problem",
    sentence: "The number's two-step verification PIN is wrong. An owner needs to check the number's registration.",
    retryable: false,
  },
  133006: {
    reason: "number_registration_problem",
    sentence: "The business number needs to be verified again before it can send. An owner needs to check it in WhatsApp Manager.",
    retryable: false,
  },
  133008: {
    reason: "number_registration_problem",
    sentence: "Too many wrong two-step verification PINs were tried for this number. An owner needs to wait and try again.",
    retryable: false,
  },
  133009: {
    reason: "number_registration_problem",
    sentence: "Two-step verification PINs were tried too fast for this number. An owner needs to wait and try again.",
    retryable: false,
  },
  133015: {
    reason: "number_registration_problem",
    sentence: "The business number was removed from WhatsApp moments ago. An owner needs to wait a few minutes before registering it.",
    retryable: false,
  },
  133016: {
    reason: "number_registration_problem",
    sentence: "The business number was registered or removed too many times recently. An owner needs to wait before trying again.",
    retryable: false,
  },
  135000: {
    reason: "generic_user_error",
    sentence: "WhatsApp could not send this message because of a problem with its content or the customer's app. Check the message and try again.",
    retryable: false,
  },
};

/** Codes in a family Meta keeps adding to: the family's meaning when the code itself is not in the table. */
function familyOf(code: number): ErrorExplanation | null {
  if (code >= 132000 && code < 133000) {
    return { reason: "template_error", sentence: "WhatsApp refused the template message. Check the template and its values, or use another template.", retryable: false };
  }
  if (code >= 133000 && code < 134000) return TABLE[133006]!;
  return null;
}

/** Explanation of a Meta error code; unknown codes get a generic sentence that keeps Meta's title. */
export function explainMetaError(code: number | null | undefined, title?: string | null): ErrorExplanation {
  if (code !== null && code !== undefined) {
    const known = TABLE[code];
    if (known) return known;
    if (code >= 200 && code < 300) return TABLE[200]!;
    const family = familyOf(code);
    if (family) return family;
  }
  return {
    reason: "whatsapp_error",
    sentence: title ? `WhatsApp refused this message: ${title}.` : "WhatsApp refused this message.",
    retryable: false,
  };
}

/** Every code the table names (tests check each has a sentence in both languages). */
export const KNOWN_ERROR_CODES: readonly number[] = Object.keys(TABLE).map(Number);

/** Chorus gave up after repeated temporary failures. */
export const RETRIES_EXHAUSTED: ErrorExplanation = {
  reason: "retries_exhausted",
  sentence: "Chorus could not reach WhatsApp after several attempts. The message was not sent.",
  retryable: false,
};
