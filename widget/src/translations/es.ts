import type { Translation } from './translation';

const errors: Record<string, string> = {
  connection_error: 'No pudimos conectar con la clínica. Revise su conexión.',
  timeout: 'La clínica no respondió a tiempo. Inténtelo de nuevo.',
  rate_limited: 'Está enviando mensajes demasiado rápido. Espere un momento.',
  message_too_long: 'El mensaje es demasiado largo. Acórtelo, por favor.',
  session_ended: 'Este chat ha terminado.',
  origin_not_allowed: 'El chat no está disponible en este sitio.',
  clinic_not_found: 'El chat no está bien configurado (clínica desconocida).',
  invalid_token: 'Su sesión de chat caducó. Empiece de nuevo, por favor.',
  invalid_identity_token: 'No pudimos confirmar su identidad. Recargue la página.',
  database_unavailable: 'El chat no está disponible por ahora. Inténtelo pronto.',
};

export const es: Translation = {
  locale: 'es',
  openChat: 'Abrir chat',
  closeChat: 'Cerrar chat',
  minimizeChat: 'Minimizar chat',
  unread: (n) => (n === 1 ? '1 mensaje sin leer' : `${n} mensajes sin leer`),
  title: (clinic) => (clinic ? `Chat con ${clinic}` : 'Chat con nosotros'),
  loading: 'Cargando…',
  notEmergency: 'Este chat no es para emergencias.',
  emergencyFallback: 'En una emergencia, llame al número de emergencias local.',

  prechatIntro: 'Díganos quién es y el motivo de su consulta. Un miembro del equipo le responderá.',
  nameLabel: 'Su nombre',
  reasonLabel: 'Motivo de la consulta',
  reasonHint: 'No incluya contraseñas ni números de tarjeta.',
  startChat: 'Iniciar chat',
  starting: 'Iniciando…',
  nameRequired: 'Escriba su nombre.',
  nameTooLong: (max) => `El nombre puede tener como máximo ${max} caracteres.`,
  reasonRequired: 'Indíquenos el motivo de su consulta.',
  reasonTooLong: (max) => `El motivo debe tener menos de ${max} caracteres.`,

  yes: 'Sí',
  no: 'No',
  redFlagRequired: 'Responda sí o no.',
  redFlagTitle: 'Esto puede ser una emergencia',
  continueAnyway: 'Continuar de todos modos',
  queueTitle: 'Está en la cola',
  queuePosition: (p) => (p === 1 ? 'Es el siguiente.' : `Es el número ${p} en la fila.`),
  queueEstimate: (m) => (m === 1 ? 'Espera estimada: 1 minuto.' : `Espera estimada: unos ${m} minutos.`),
  queueEstimateSoon: 'Espera estimada: menos de un minuto.',
  queueNoEstimate: 'Aún no podemos decir cuánto durará la espera; conserva su lugar.',
  queueHint: 'Ya puede escribir su pregunta abajo.',

  closedTitle: 'Ahora estamos cerrados',
  closedNext: (when) => `Volvemos a abrir el ${when}.`,
  closedNoNext: 'Vuelva más tarde, por favor.',
  leaveMessage: 'Dejar un mensaje',
  busyTitle: 'Ahora no hay nadie disponible',
  busyText: 'Deje un mensaje abajo; le responderemos cuando alguien vuelva.',
  leftTitle: 'Tenemos su mensaje',
  answerWhere: (identified) => `Para leer la respuesta, vuelva a ${identified ? 'iniciar sesión en nuestro sitio' : 'esta página en este navegador'}.`,

  messagesLabel: 'Mensajes',
  newMessages: (n) => (n === 1 ? '1 mensaje nuevo' : `${n} mensajes nuevos`),
  you: 'Usted',
  typing: (names) => (names.length === 1 ? `${names[0]} está escribiendo…` : `${names.join(', ')} están escribiendo…`),
  composerLabel: 'Mensaje',
  composerPlaceholder: 'Escriba un mensaje…',
  send: 'Enviar',
  statusSending: 'Enviando…',
  statusSent: 'Enviado',
  statusDelivered: 'Entregado',
  statusRead: 'Leído',
  statusFailed: 'No enviado.',
  retry: 'Reintentar',
  system: (event, name) => {
    if (event === 'session.assigned') return `Ahora conversa con ${name ?? 'un miembro del equipo'}.`;
    const who = name ?? 'Un miembro del equipo';
    if (event === 'session.requeued') return `${who} salió del chat. Vuelve a estar en la cola.`;
    if (event === 'session.inactive') return 'Chat cerrado por inactividad.';
    return 'El chat ha terminado.';
  },

  endChat: 'Terminar chat',
  endConfirm: '¿Terminar este chat? No podrá enviar más mensajes en él.',
  endConfirmYes: 'Sí, terminar',
  endConfirmNo: 'Seguir chateando',
  endedTitle: 'Chat terminado',
  endedText: 'Gracias por contactarnos. Puede guardar una copia de esta conversación.',
  downloadTranscript: 'Descargar transcripción',
  newChat: 'Iniciar un chat nuevo',
  transcriptTitle: (clinic) => `Transcripción del chat: ${clinic}`,
  transcriptFile: (name) => `[Archivo adjunto: ${name}]`,
  transcriptSystemName: 'Aviso',

  offline: 'Está sin conexión. Los mensajes que escriba se enviarán al reconectar.',
  reconnecting: 'Reconectando…',
  dismiss: 'Cerrar aviso',
  error: (code) => errors[code] ?? 'Algo salió mal. Inténtelo de nuevo.',
};
