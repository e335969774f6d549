/* The dossier's face capture: the holder's video (the agent's camera, or the videoconference's tab shared with
 * getDisplayMedia), stills taken to canvases, the agent picks the best and confirms it. The chosen still goes to the
 * server as a JPEG in the form's file field: the same POST a person could make, checked there like any upload.
 * No inline script anywhere (a Content-Security-Policy is coming): this file is loaded with `defer`. */
(function () {
  'use strict';

  const root = document.querySelector('[data-face-capture]');
  if (!root) return;

  const video = root.querySelector('[data-video]');
  const stills = root.querySelector('[data-stills]');
  const empty = root.querySelector('[data-empty]');
  const form = root.querySelector('[data-confirm-form]');
  const input = form.querySelector('input[type=file]');
  const status = root.querySelector('[data-status]');
  const buttons = {
    camera: root.querySelector('[data-action=camera]'),
    tab: root.querySelector('[data-action=tab]'),
    capture: root.querySelector('[data-action=capture]'),
    confirm: root.querySelector('[data-action=confirm]'),
  };
  const canvases = [];
  let stream = null;

  function say(text) {
    status.textContent = text;
  }

  function stop() {
    if (stream) stream.getTracks().forEach(track => track.stop());
    stream = null;
    video.srcObject = null;
    buttons.capture.disabled = true;
  }

  async function open(source, label) {
    if (!navigator.mediaDevices) {
      say('Este navegador não dá acesso à câmera nesta página (é preciso HTTPS).');
      return;
    }
    stop();
    try {
      stream = await source();
    } catch (error) {
      say(`Não foi possível abrir ${label}: ${error.message || error.name}. Verifique a permissão do navegador.`);
      return;
    }
    video.srcObject = stream;
    stream.getVideoTracks().forEach(track => track.addEventListener('ended', stop));
    try {
      await video.play();
    } catch (error) {
      // Autoplay of a muted stream is allowed; a refusal still leaves the frames to draw once they arrive.
    }
    buttons.capture.disabled = false;
    say(`${label[0].toUpperCase()}${label.slice(1)} aberta. Enquadre o rosto do titular e capture.`);
  }

  buttons.camera.addEventListener('click', () => open(
    () => navigator.mediaDevices.getUserMedia({video: {width: {ideal: 1280}, height: {ideal: 720}}, audio: false}),
    'a câmera',
  ));
  buttons.tab.addEventListener('click', () => open(
    () => navigator.mediaDevices.getDisplayMedia({video: true, audio: false}),
    'a aba compartilhada',
  ));

  buttons.capture.addEventListener('click', () => {
    if (!video.videoWidth) {
      say('O vídeo ainda não começou. Aguarde um instante e capture de novo.');
      return;
    }
    const canvas = document.createElement('canvas');
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext('2d').drawImage(video, 0, 0, canvas.width, canvas.height);
    const index = canvases.push(canvas) - 1;
    const id = `face-still-${index}`;
    const label = document.createElement('label');
    label.className = 'face-still';
    label.htmlFor = id;
    const radio = document.createElement('input');
    radio.type = 'radio';
    radio.name = 'still';
    radio.value = String(index);
    radio.id = id;
    radio.checked = true;
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', `Foto ${index + 1}`);
    label.append(radio, canvas, document.createTextNode(` Foto ${index + 1}`));
    stills.append(label);
    if (empty) empty.hidden = true;
    buttons.confirm.disabled = false;
    say(`Foto ${index + 1} capturada. Capture outras se quiser e confirme a melhor.`);
  });

  form.addEventListener('submit', event => {
    event.preventDefault();
    const chosen = stills.querySelector('input[name=still]:checked');
    if (!chosen) {
      say('Escolha uma das fotos capturadas.');
      return;
    }
    buttons.confirm.disabled = true;
    say('Enviando a foto escolhida…');
    canvases[Number(chosen.value)].toBlob(blob => {
      if (!blob) {
        buttons.confirm.disabled = false;
        say('Não foi possível gerar a imagem. Capture de novo.');
        return;
      }
      const transfer = new DataTransfer();
      transfer.items.add(new File([blob], 'face.jpg', {type: 'image/jpeg'}));
      input.files = transfer.files;
      stop();
      form.submit(); // not requestSubmit(): the file is in place, this handler must not run again
    }, 'image/jpeg', 0.92);
  });

  window.addEventListener('pagehide', stop);
})();
