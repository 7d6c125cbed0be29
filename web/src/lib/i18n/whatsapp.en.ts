/**
 * English messages for WhatsApp message kinds (issue 5): what each kind of message shows in a
 * thread (components/message-kinds), the failure sentences of the rest of Meta's error table (by
 * the server's stable `reason`, merged into `failure`), and the closing-soon notification.
 * Merged into the app's dictionary by index.ts; whatsapp.ja.ts is typed against this object.
 */
const whatsappEn = {
  failure: {
    business_number_invalid:
      "WhatsApp does not know this business number any more (it may have been deleted). An owner needs to check the number's settings.",
    experiment_number: "WhatsApp did not deliver this message: the customer's number is part of a Meta experiment that limits business messages.",
    display_name_required: "This business number cannot send until Meta approves its display name. An owner needs to check it in WhatsApp Manager.",
    message_unavailable: "WhatsApp could not show this message here. The customer can see it on their phone.",
    flow_blocked: "WhatsApp blocked this Flow. Use another Flow or ask an owner to check it in WhatsApp Manager.",
    flow_throttled: "This Flow has been sent too often and WhatsApp is limiting it. Try again later.",
    number_registration_problem: "The business number's registration with WhatsApp needs attention. An owner needs to check it in WhatsApp Manager.",
    generic_user_error:
      "WhatsApp could not send this message because of a problem with its content or the customer's app. Check the message and try again.",
    template_error: "WhatsApp refused the template message. Check the template and its values, or use another template.",
    whatsapp_error: "WhatsApp refused this message.",
  },
  whatsapp: {
    media: {
      image: "Photo",
      video: "Video",
      audio: "Audio",
      voice: "Voice message",
      document: "Document",
      sticker: "Sticker",
      loading: "Loading {kind}…",
      failed: "This file could not be fetched from WhatsApp.",
      failedReason: "This file could not be fetched from WhatsApp ({reason}).",
      download: "Download {name}",
      open: "Open",
      size: "{size}",
    },
    location: {
      label: "Location",
      openMap: "Open in maps",
      coordinates: "{latitude}, {longitude}",
    },
    contacts: {
      label: "Contact card",
      phone: "Phone",
      email: "Email",
      organization: "Organization",
      birthday: "Birthday",
      address: "Address",
      website: "Website",
    },
    reply: {
      button: "Tapped a button",
      list: "Chose from a list",
      flow: "Completed a form",
      templateButton: "Tapped a template button",
      payload: "Payload: {payload}",
    },
    order: {
      label: "Order",
      item: "{quantity} × {product}",
      price: "{price} {currency}",
      total: "Total: {total} {currency}",
      catalog: "Catalog {id}",
    },
    productInquiry: "Asked about product {product}",
    quote: {
      label: "Replying to",
      customer: "Customer",
      you: "You",
      unknown: "a message not in this conversation",
    },
    referral: {
      fromAd: "Came from an ad",
      fromPost: "Came from a post",
      open: "Open the ad",
      source: "Source",
    },
    forwarded: "Forwarded",
    frequentlyForwarded: "Forwarded many times",
    fromBusinessApp: "Sent from the WhatsApp Business app",
    system: {
      changedNumber: "The customer changed their number to +{number}",
      changedUserId: "The customer's WhatsApp account changed",
      requestWelcome: "The customer opened the chat for the first time",
      generic: "WhatsApp notice",
    },
    unsupported: {
      label: "This kind of message can't be shown ({type}).",
      reason: "WhatsApp says: {reason}",
    },
    reactions: {
      label: "Reactions",
      customer: "Customer reacted {emoji}",
      you: "You reacted {emoji}",
    },
    interactive: {
      buttons: "Reply buttons",
      list: "List",
      cta: "Link button",
    },
    template: "Template: {name}",
  },
};

export default whatsappEn;
export type WhatsAppMessages = typeof whatsappEn;
