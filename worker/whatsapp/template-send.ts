/**
 * Sending a template with more than body values (issue 5): the header's {{1}} (text) or its media
 * (a link, since a Resumable Upload handle only serves Meta's review), and the {{1}} at the end of
 * a URL button. Builds Meta's `components` for the Messages API.
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/components
 */
import * as v from "valibot";

export const TemplateHeaderValue = v.variant("type", [
  v.object({ type: v.literal("text"), text: v.pipe(v.string(), v.minLength(1), v.maxLength(60)) }),
  v.object({
    type: v.picklist(["image", "video", "document"]),
    link: v.pipe(v.string(), v.maxLength(2000), v.regex(/^https:\/\//, "use an https:// link")),
  }),
]);
export type TemplateHeaderValue = v.InferOutput<typeof TemplateHeaderValue>;

export const TemplateButtonValue = v.object({
  /** The button's position in the template (0-based, as Meta counts). */
  index: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(9)),
  text: v.pipe(v.string(), v.minLength(1), v.maxLength(2000)),
});
export type TemplateButtonValue = v.InferOutput<typeof TemplateButtonValue>;

/** The optional extras of `{template:{…}}` in POST /api/conversations/:id/messages. */
export const TemplateSendExtras = {
  header: v.optional(TemplateHeaderValue),
  buttons: v.optional(v.pipe(v.array(TemplateButtonValue), v.maxLength(10))),
};

/** Meta's `template.components` for body values, a header value and URL-button values. */
export function templateSendComponents(content: { parameters: string[]; header?: TemplateHeaderValue | null; buttons?: TemplateButtonValue[] | null }) {
  const components: Array<Record<string, unknown>> = [];
  const header = content.header;
  if (header) {
    components.push({
      type: "header",
      parameters: [header.type === "text" ? { type: "text", text: header.text } : { type: header.type, [header.type]: { link: header.link } }],
    });
  }
  if (content.parameters.length) components.push({ type: "body", parameters: content.parameters.map((text) => ({ type: "text", text })) });
  for (const button of content.buttons ?? []) {
    components.push({ type: "button", sub_type: "url", index: String(button.index), parameters: [{ type: "text", text: button.text }] });
  }
  return components;
}
