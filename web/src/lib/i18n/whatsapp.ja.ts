/** Japanese messages for WhatsApp message kinds. Typed against whatsapp.en.ts: same keys, always. */
import type { WhatsAppMessages } from "./whatsapp.en";

type SameKeys<T> = { [K in keyof T]: T[K] extends string ? string : SameKeys<T[K]> };

const whatsappJa: SameKeys<WhatsAppMessages> = {
  failure: {
    business_number_invalid:
      "WhatsAppがこのビジネス番号を認識できません(削除された可能性があります)。オーナーが番号の設定を確認する必要があります。",
    experiment_number: "お客様の番号がビジネスメッセージを制限するMetaの試験対象のため、WhatsAppはこのメッセージを配信しませんでした。",
    display_name_required: "Metaが表示名を承認するまで、このビジネス番号からは送信できません。オーナーがWhatsAppマネージャーで確認する必要があります。",
    message_unavailable: "このメッセージはここに表示できません。お客様の端末では表示されています。",
    flow_blocked: "WhatsAppがこのフローをブロックしました。別のフローを使うか、オーナーにWhatsAppマネージャーでの確認を依頼してください。",
    flow_throttled: "このフローの送信回数が多すぎるため、WhatsAppが制限しています。時間をおいて再度お試しください。",
    number_registration_problem: "ビジネス番号のWhatsApp登録に対応が必要です。オーナーがWhatsAppマネージャーで確認する必要があります。",
    generic_user_error:
      "内容またはお客様のアプリに問題があるため、WhatsAppがこのメッセージを送信できませんでした。内容を確認してもう一度お試しください。",
    template_error: "WhatsAppがテンプレートメッセージを拒否しました。テンプレートと値を確認するか、別のテンプレートを使ってください。",
    whatsapp_error: "WhatsAppがこのメッセージを拒否しました。",
  },
  whatsapp: {
    media: {
      image: "写真",
      video: "動画",
      audio: "音声",
      voice: "ボイスメッセージ",
      document: "ファイル",
      sticker: "スタンプ",
      loading: "{kind}を読み込み中…",
      failed: "このファイルをWhatsAppから取得できませんでした。",
      failedReason: "このファイルをWhatsAppから取得できませんでした({reason})。",
      download: "{name}をダウンロード",
      open: "開く",
      size: "{size}",
    },
    location: {
      label: "位置情報",
      openMap: "地図で開く",
      coordinates: "{latitude}, {longitude}",
    },
    contacts: {
      label: "連絡先",
      phone: "電話",
      email: "メール",
      organization: "所属",
      birthday: "誕生日",
      address: "住所",
      website: "ウェブサイト",
    },
    reply: {
      button: "ボタンで返信",
      list: "リストから選択",
      flow: "フォームに回答",
      templateButton: "テンプレートのボタンで返信",
      payload: "ペイロード: {payload}",
    },
    order: {
      label: "注文",
      item: "{quantity} × {product}",
      price: "{price} {currency}",
      total: "合計: {total} {currency}",
      catalog: "カタログ {id}",
    },
    productInquiry: "商品 {product} について問い合わせ",
    quote: {
      label: "返信先",
      customer: "お客様",
      you: "あなた",
      unknown: "この会話にないメッセージ",
    },
    referral: {
      fromAd: "広告から来たお客様",
      fromPost: "投稿から来たお客様",
      open: "広告を開く",
      source: "流入元",
    },
    forwarded: "転送",
    frequentlyForwarded: "何度も転送されたメッセージ",
    fromBusinessApp: "WhatsApp Businessアプリから送信",
    system: {
      changedNumber: "お客様が電話番号を +{number} に変更しました",
      changedUserId: "お客様のWhatsAppアカウントが変わりました",
      requestWelcome: "お客様が初めてチャットを開きました",
      generic: "WhatsAppからのお知らせ",
    },
    unsupported: {
      label: "この種類のメッセージは表示できません({type})。",
      reason: "WhatsAppより: {reason}",
    },
    reactions: {
      label: "リアクション",
      customer: "お客様のリアクション {emoji}",
      you: "あなたのリアクション {emoji}",
    },
    interactive: {
      buttons: "返信ボタン",
      list: "リスト",
      cta: "リンクボタン",
    },
    template: "テンプレート: {name}",
  },
};

export default whatsappJa;
