// Browser side: the img-to-canvas probe. The image is loaded with the
// scenario's crossorigin attribute (or none), drawn to a canvas (directly or
// through createImageBitmap), then read back with getImageData and
// toDataURL. A tainted canvas throws SecurityError: the pixels are withheld.
(function () {
  'use strict';

  function loadImage(probe, signal) {
    return new Promise((resolve, reject) => {
      const img = new Image();
      if (probe.crossOrigin) img.crossOrigin = probe.crossOrigin;
      img.onload = () => resolve(img);
      img.onerror = () =>
        reject(Object.assign(new Error('the image failed to load (error event)'), { name: 'ImageLoadError' }));
      signal.addEventListener('abort', () => {
        img.src = '';
      });
      img.src = probe.url;
    });
  }

  window.__corsLab.kinds['img-canvas'] = async function imageProbe(probe, signal) {
    let img;
    try {
      img = await loadImage(probe, signal);
    } catch (error) {
      return { settled: 'rejected', error: { name: error.name, message: error.message } };
    }
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth || 1;
    canvas.height = img.naturalHeight || 1;
    const context = canvas.getContext('2d');
    const source = probe.drawVia === 'imageBitmap' ? await createImageBitmap(img) : img;
    context.drawImage(source, 0, 0);
    const result = { settled: 'resolved', type: 'image', body: img.naturalWidth + 'x' + img.naturalHeight + ' image' };
    try {
      const pixel = context.getImageData(0, 0, 1, 1).data;
      canvas.toDataURL();
      result.body += ', first pixel rgba(' + Array.from(pixel).join(',') + ')';
    } catch (error) {
      result.withheld = 'the canvas is tainted: ' + error.name + ' from getImageData/toDataURL';
    }
    return result;
  };
})();
