// The web chat's own words, in the six languages of the assistant.

export const STRINGS = {
  en: { title: "Nimbus support", placeholder: "Type a message…", send: "Send", language: "Language", connecting: "Connecting…", online: "Online", offline: "Reconnecting…", you: "You", bot: "Nimbus", agent: "Agent", welcome: "Hi! Ask me anything about your orders, shipping, returns or your account." },
  es: { title: "Soporte Nimbus", placeholder: "Escribe un mensaje…", send: "Enviar", language: "Idioma", connecting: "Conectando…", online: "En línea", offline: "Reconectando…", you: "Tú", bot: "Nimbus", agent: "Agente", welcome: "¡Hola! Pregúntame sobre tus pedidos, envíos, devoluciones o tu cuenta." },
  pt: { title: "Suporte Nimbus", placeholder: "Escreva uma mensagem…", send: "Enviar", language: "Idioma", connecting: "Conectando…", online: "Online", offline: "Reconectando…", you: "Você", bot: "Nimbus", agent: "Atendente", welcome: "Olá! Pergunte sobre seus pedidos, entregas, devoluções ou sua conta." },
  fr: { title: "Assistance Nimbus", placeholder: "Écrivez un message…", send: "Envoyer", language: "Langue", connecting: "Connexion…", online: "En ligne", offline: "Reconnexion…", you: "Vous", bot: "Nimbus", agent: "Conseiller", welcome: "Bonjour ! Posez-moi vos questions sur vos commandes, livraisons, retours ou votre compte." },
  ar: { title: "دعم نيمبس", placeholder: "اكتب رسالة…", send: "إرسال", language: "اللغة", connecting: "جارٍ الاتصال…", online: "متصل", offline: "جارٍ إعادة الاتصال…", you: "أنت", bot: "نيمبس", agent: "موظف الدعم", welcome: "مرحبًا! اسألني عن طلباتك أو الشحن أو الإرجاع أو حسابك." },
  zh: { title: "Nimbus 客服", placeholder: "输入消息…", send: "发送", language: "语言", connecting: "正在连接…", online: "在线", offline: "正在重新连接…", you: "你", bot: "Nimbus", agent: "客服", welcome: "你好！可以问我订单、配送、退货或账户的问题。" },
};
